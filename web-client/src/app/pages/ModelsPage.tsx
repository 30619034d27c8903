import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { Empty, ErrorState, Loading } from "../components/States";
import { date, pct, shortId } from "../format";
import { Link } from "../router";

const MODELS = `query Models {
  modelAliases { name updatedAt run { id bestValMacroF1 hyperparameters { architecture } experiment { name } } checkpoint { epoch }
    history { fromRunId toRunId changedByKeyId changedAt } }
  runs(first: 100, filter: { statuses: [SUCCEEDED] }, orderBy: BEST_VAL_MACRO_F1_DESC) {
    nodes { id bestValMacroF1 experiment { name } hyperparameters { architecture } } }
}`;
const PREVIEW = `query PromotionPreview($ids: [ID!]!) { compareRuns(ids: $ids, metrics: [VAL_MACRO_F1]) {
  differences { name values } runs { id bestValMacroF1 bestValAccuracy } } }`;
const SET_ALIAS = `mutation Promote($input: SetModelAliasInput!) { setModelAlias(input: $input) { name run { id } } }`;

interface Alias {
  name: string;
  updatedAt: string;
  run: {
    id: string;
    bestValMacroF1: number | null;
    hyperparameters: { architecture: string };
    experiment: { name: string };
  };
  checkpoint: { epoch: number };
  history: { fromRunId: string | null; toRunId: string; changedByKeyId: string | null; changedAt: string }[];
}
interface Candidate {
  id: string;
  bestValMacroF1: number | null;
  experiment: { name: string };
  hyperparameters: { architecture: string };
}

function Preview({ holder, candidate }: { holder: string; candidate: string }) {
  const [{ data, error }] = useQuery<{
    compareRuns: {
      differences: { name: string; values: string[] }[];
      runs: { id: string; bestValMacroF1: number | null; bestValAccuracy: number | null }[];
    };
  }>({ query: PREVIEW, variables: { ids: [holder, candidate] }, pause: holder === candidate });
  if (holder === candidate) return <p className="muted">This run already holds the alias.</p>;
  if (error) return <ErrorState error={error} />;
  if (!data) return <p className="muted">Comparing…</p>;
  const [a, b] = data.compareRuns.runs;
  const delta = (b?.bestValMacroF1 ?? 0) - (a?.bestValMacroF1 ?? 0);
  return (
    <div data-testid="promotion-preview">
      <p>
        val macro-F1 {pct(a?.bestValMacroF1)} → {pct(b?.bestValMacroF1)}{" "}
        <strong className={delta >= 0 ? "delta-pos" : "delta-neg"}>
          ({delta >= 0 ? "+" : ""}
          {(delta * 100).toFixed(1)} points)
        </strong>
      </p>
      {data.compareRuns.differences.length === 0 ? (
        <p className="muted">Same hyperparameters.</p>
      ) : (
        <table aria-label="How the candidate differs from the current holder">
          <thead>
            <tr>
              <th scope="col">hyperparameter</th>
              <th scope="col">current {shortId(holder)}</th>
              <th scope="col">candidate {shortId(candidate)}</th>
            </tr>
          </thead>
          <tbody>
            {data.compareRuns.differences.map((d) => (
              <tr key={d.name}>
                <td>{d.name}</td>
                <td>{d.values[0]}</td>
                <td>{d.values[1]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export default function ModelsPage() {
  const [{ data, error, fetching }, refetch] = useQuery<{
    modelAliases: Alias[];
    runs: { nodes: Candidate[] };
  }>({ query: MODELS });
  const [aliasName, setAliasName] = useState("production");
  const [runId, setRunId] = useState("");
  const [state, promote] = useMutation(SET_ALIAS);
  if (fetching && !data) return <Loading what="Loading models" />;
  if (error || !data)
    return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  const candidate = runId || data.runs.nodes[0]?.id || "";
  const holder = data.modelAliases.find((a) => a.name === aliasName);
  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <form
        className="card"
        aria-labelledby="promote-title"
        onSubmit={async (event) => {
          event.preventDefault();
          const result = await promote({ input: { name: aliasName.trim(), runId: candidate } });
          if (!result.error) refetch({ requestPolicy: "network-only" });
        }}
      >
        <h2 id="promote-title" style={{ marginTop: 0 }}>
          Promote a run
        </h2>
        <div className="row">
          <div className="field">
            <label htmlFor="alias-name">Alias</label>
            <input
              id="alias-name"
              list="alias-names"
              value={aliasName}
              onChange={(event) => setAliasName(event.target.value)}
            />
            <datalist id="alias-names">
              {data.modelAliases.map((a) => (
                <option key={a.name} value={a.name} />
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor="alias-run">Run</label>
            <select id="alias-run" value={candidate} onChange={(event) => setRunId(event.target.value)}>
              {data.runs.nodes.map((r) => (
                <option key={r.id} value={r.id}>
                  {shortId(r.id)} {r.hyperparameters.architecture} · {r.experiment.name} · F1{" "}
                  {pct(r.bestValMacroF1)}
                </option>
              ))}
            </select>
          </div>
          <button
            type="submit"
            className="primary"
            style={{ alignSelf: "end" }}
            disabled={!candidate || !aliasName.trim() || state.fetching}
          >
            Promote
          </button>
        </div>
        {holder && candidate ? (
          <Preview holder={holder.run.id} candidate={candidate} />
        ) : (
          <p className="muted">
            {aliasName ? `"${aliasName}" is new: the run will be its first holder.` : ""}
          </p>
        )}
        {state.error && <ErrorState error={state.error} />}
      </form>
      {data.modelAliases.length === 0 ? (
        <Empty>No aliases yet. Promote a finished run above.</Empty>
      ) : (
        data.modelAliases.map((alias) => (
          <div className="card" key={alias.name} data-alias={alias.name}>
            <h2 style={{ marginTop: 0 }}>
              {alias.name} → <Link href={`/runs/${alias.run.id}`}>run {shortId(alias.run.id)}</Link>{" "}
              <span className="muted">
                ({alias.run.hyperparameters.architecture}, {alias.run.experiment.name}, epoch{" "}
                {alias.checkpoint.epoch}, F1 {pct(alias.run.bestValMacroF1)})
              </span>
            </h2>
            <table aria-label={`history of ${alias.name}`}>
              <thead>
                <tr>
                  <th scope="col">when</th>
                  <th scope="col">from</th>
                  <th scope="col">to</th>
                  <th scope="col">by key</th>
                </tr>
              </thead>
              <tbody>
                {alias.history.map((h) => (
                  <tr key={h.changedAt + h.toRunId}>
                    <td>{date(h.changedAt)}</td>
                    <td>{h.fromRunId ? shortId(h.fromRunId) : "—"}</td>
                    <td>{shortId(h.toRunId)}</td>
                    <td>{h.changedByKeyId ? shortId(h.changedByKeyId) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))
      )}
    </section>
  );
}
