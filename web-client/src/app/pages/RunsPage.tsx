import { useEffect, useMemo, useState } from "react";
import { useClient, useMutation, useQuery } from "urql";
import { failureOf } from "../api";
import { Empty, ErrorState, Loading } from "../components/States";
import { duration, pct, shortId, when } from "../format";
import { Link, navigate, setParams, useLocation } from "../router";
import { NewExperimentForm, NewRunForm } from "./RunForms";
import { CANCEL_RUN, isActive, RUN_ROW_FIELDS, type RunRow, type RunStatus } from "./runTypes";

const RUNS = `query Runs($first: Int, $after: String, $query: String, $filter: RunFilter, $orderBy: RunOrder) {
  runs(first: $first, after: $after, query: $query, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${RUN_ROW_FIELDS} }
  }
}`;

const STATUSES: RunStatus[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"];

/** Sortable columns: the URL's `sort` names one, the API orders by it. */
const SORTS: Record<string, string> = {
  created: "CREATED_AT",
  f1: "BEST_VAL_MACRO_F1",
  accuracy: "BEST_VAL_ACCURACY",
  architecture: "ARCHITECTURE",
  lr: "LEARNING_RATE",
  batch: "BATCH_SIZE",
  epochs: "EPOCHS",
};

const ROW_HEIGHT = 37;
const VISIBLE_ROWS = 15;

type Row = { kind: "group"; label: string; count: number } | { kind: "run"; run: RunRow };

function SortHeader({
  id,
  label,
  sort,
  isNumeric,
}: {
  id: string;
  label: string;
  sort: string;
  isNumeric?: boolean;
}) {
  const [by, direction] = sort.split(":");
  const isActiveSort = by === id;
  const next = isActiveSort && direction === "desc" ? "asc" : "desc";
  return (
    <th
      className={isNumeric ? "num" : undefined}
      aria-sort={isActiveSort ? (direction === "desc" ? "descending" : "ascending") : "none"}
      scope="col"
    >
      <button type="button" className="sort" onClick={() => setParams({ sort: `${id}:${next}` })}>
        {label} {isActiveSort ? (direction === "desc" ? "▼" : "▲") : ""}
      </button>
    </th>
  );
}

export default function RunsPage() {
  const { params } = useLocation();
  const query = params.get("q") ?? "";
  const status = params.get("status") ?? "";
  const sort = params.get("sort") ?? "created:desc";
  const group = params.get("group") ?? "";
  const selected = useMemo(() => new Set((params.get("sel") ?? "").split(",").filter(Boolean)), [params]);
  const [draftQuery, setDraftQuery] = useState(query);
  const [form, setForm] = useState<"" | "run" | "experiment">(params.get("new") === "run" ? "run" : "");
  const [scrollTop, setScrollTop] = useState(0);

  const [more, setMore] = useState<{
    key: string;
    nodes: RunRow[];
    endCursor: string | null;
    hasNextPage: boolean;
  }>();
  const client = useClient();
  const [by, direction] = sort.split(":");
  const variables = useMemo(
    () => ({
      first: 100,
      query: query || undefined,
      filter: status ? { statuses: [status] } : undefined,
      orderBy: `${SORTS[by] ?? "CREATED_AT"}_${direction === "asc" ? "ASC" : "DESC"}`,
    }),
    [query, status, by, direction],
  );
  const [{ data, error, fetching }, refetch] = useQuery<{
    runs: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      nodes: RunRow[];
    };
  }>({ query: RUNS, variables });
  const [cancelState, cancelRun] = useMutation(CANCEL_RUN);

  // Further pages (keyset cursors) for the same filter and order, appended below the first.
  const moreKey = JSON.stringify(variables);
  const extra = more?.key === moreKey ? more : undefined;
  const runs = useMemo(() => [...(data?.runs.nodes ?? []), ...(extra?.nodes ?? [])], [data, extra]);
  const pageInfo = extra ?? data?.runs.pageInfo;
  async function loadMore() {
    if (!pageInfo?.endCursor) return;
    const result = await client
      .query(RUNS, { ...variables, after: pageInfo.endCursor }, { requestPolicy: "network-only" })
      .toPromise();
    const page = result.data?.runs;
    if (!page) return;
    setMore({
      key: moreKey,
      nodes: [...(extra?.nodes ?? []), ...page.nodes],
      endCursor: page.pageInfo.endCursor,
      hasNextPage: page.pageInfo.hasNextPage,
    });
  }
  // While runs are queued or running, the table refreshes itself every 2 s.
  const hasActive = runs.some((run) => isActive(run.status));
  useEffect(() => {
    if (!hasActive) return;
    const timer = setInterval(() => refetch({ requestPolicy: "network-only" }), 2000);
    return () => clearInterval(timer);
  }, [hasActive, refetch]);
  const rows: Row[] = useMemo(() => {
    if (!group) return runs.map((run) => ({ kind: "run", run }));
    const keyOf = (run: RunRow) =>
      group === "experiment" ? run.experiment.name : run.hyperparameters.architecture;
    const groups = new Map<string, RunRow[]>();
    for (const run of runs) groups.set(keyOf(run), [...(groups.get(keyOf(run)) ?? []), run]);
    return [...groups].flatMap(([label, members]): Row[] => [
      { kind: "group", label, count: members.length },
      ...members.map((run): Row => ({ kind: "run", run })),
    ]);
  }, [runs, group]);

  // Windowing: only the rows in view (plus a margin) are in the DOM.
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 5);
  const last = Math.min(rows.length, first + VISIBLE_ROWS + 10);
  const shown = rows.slice(first, last);

  function toggle(id: string) {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setParams({ sel: [...next].join(",") });
  }

  const queryFailure = failureOf(error);
  return (
    <section aria-labelledby="runs-title">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1 id="runs-title">Runs {data && <span className="muted">({data.runs.totalCount})</span>}</h1>
        <div className="row">
          <button
            type="button"
            className="primary"
            onClick={() => setForm(form === "run" ? "" : "run")}
            aria-expanded={form === "run"}
          >
            New run
          </button>
          <button
            type="button"
            onClick={() => setForm(form === "experiment" ? "" : "experiment")}
            aria-expanded={form === "experiment"}
          >
            New experiment
          </button>
          <button
            type="button"
            disabled={selected.size < 2}
            onClick={() => navigate(`/compare?ids=${[...selected].join(",")}`)}
          >
            Compare {selected.size > 0 ? `(${selected.size})` : ""}
          </button>
        </div>
      </div>
      {form === "run" && <NewRunForm onStarted={(id) => navigate(`/runs/${id}`)} />}
      {form === "experiment" && <NewExperimentForm onCreated={() => setForm("run")} />}
      <form
        className="row card"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setParams({ q: draftQuery.trim() });
        }}
      >
        <div className="field" style={{ flex: "1 1 24rem" }}>
          <label htmlFor="run-query">Filter (run query language)</label>
          <input
            id="run-query"
            value={draftQuery}
            placeholder="e.g. architecture = RESNET18_V2 and best.valMacroF1 > 0.5"
            onChange={(event) => setDraftQuery(event.target.value)}
            aria-invalid={queryFailure?.kind === "invalid" ? true : undefined}
            aria-describedby={queryFailure?.kind === "invalid" ? "run-query-error" : undefined}
          />
          {queryFailure?.kind === "invalid" && (
            <span id="run-query-error" className="field-error">
              {queryFailure.message}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor="run-status">Status</label>
          <select
            id="run-status"
            value={status}
            onChange={(event) => setParams({ status: event.target.value })}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="run-group">Group by</label>
          <select id="run-group" value={group} onChange={(event) => setParams({ group: event.target.value })}>
            <option value="">nothing</option>
            <option value="experiment">experiment</option>
            <option value="architecture">architecture</option>
          </select>
        </div>
        <button type="submit" style={{ alignSelf: "end" }}>
          Apply
        </button>
      </form>
      {queryFailure?.kind !== "invalid" && (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
      )}
      {cancelState.error && <ErrorState error={cancelState.error} />}
      {fetching && !data && <Loading what="Loading runs" />}
      {data && runs.length === 0 && (
        <Empty>
          No runs {query || status ? "match this filter" : "yet"}. Start one with <strong>New run</strong>.
        </Empty>
      )}
      {runs.length > 0 && (
        <div
          className="scroller"
          onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
          tabIndex={0}
          aria-label="Runs table"
        >
          <table aria-rowcount={rows.length + 1}>
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Select</span>
                </th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Experiment</th>
                <SortHeader id="architecture" label="Architecture" sort={sort} />
                <SortHeader id="lr" label="LR" sort={sort} isNumeric />
                <SortHeader id="batch" label="Batch" sort={sort} isNumeric />
                <SortHeader id="epochs" label="Epochs" sort={sort} isNumeric />
                <SortHeader id="f1" label="Val macro-F1" sort={sort} isNumeric />
                <SortHeader id="accuracy" label="Val acc." sort={sort} isNumeric />
                <th scope="col" className="num">
                  Baseline
                </th>
                <th scope="col">Duration</th>
                <th scope="col">Backend</th>
                <SortHeader id="created" label="Created" sort={sort} />
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {first > 0 && (
                <tr aria-hidden="true" style={{ height: first * ROW_HEIGHT }}>
                  <td colSpan={15} />
                </tr>
              )}
              {shown.map((row) =>
                row.kind === "group" ? (
                  <tr key={`g-${row.label}`} className="group-row">
                    <td colSpan={15}>
                      {row.label} <span className="muted">({row.count})</span>
                    </td>
                  </tr>
                ) : (
                  <tr key={row.run.id} data-run={row.run.id} style={{ height: ROW_HEIGHT }}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`select run ${shortId(row.run.id)}`}
                        checked={selected.has(row.run.id)}
                        onChange={() => toggle(row.run.id)}
                      />
                    </td>
                    <td>
                      <Link href={`/runs/${row.run.id}`}>{shortId(row.run.id)}</Link>
                    </td>
                    <td>
                      <span className={`status status-${row.run.status}`} title={row.run.error ?? undefined}>
                        {row.run.status}
                      </span>
                    </td>
                    <td>{row.run.experiment.name}</td>
                    <td>
                      {row.run.hyperparameters.architecture}
                      {row.run.hyperparameters.pretrained ? " (pretrained)" : ""}
                    </td>
                    <td className="num">{row.run.hyperparameters.learningRate}</td>
                    <td className="num">{row.run.hyperparameters.batchSize}</td>
                    <td className="num">{row.run.hyperparameters.epochs}</td>
                    <td className="num">{pct(row.run.bestValMacroF1)}</td>
                    <td className="num">{pct(row.run.bestValAccuracy)}</td>
                    <td className="num">{pct(row.run.bestEpochMetric?.majorityBaselineAccuracy)}</td>
                    <td>{duration(row.run.startedAt, row.run.finishedAt)}</td>
                    <td>{row.run.mlBackend ?? "—"}</td>
                    <td title={new Date(row.run.createdAt).toLocaleString()}>{when(row.run.createdAt)}</td>
                    <td>
                      {isActive(row.run.status) && (
                        <button
                          type="button"
                          className="danger"
                          disabled={cancelState.fetching}
                          onClick={() =>
                            cancelRun({ id: row.run.id }).then(() =>
                              refetch({ requestPolicy: "network-only" }),
                            )
                          }
                        >
                          Cancel <span className="sr-only">run {shortId(row.run.id)}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ),
              )}
              {last < rows.length && (
                <tr aria-hidden="true" style={{ height: (rows.length - last) * ROW_HEIGHT }}>
                  <td colSpan={15} />
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      {data && pageInfo?.hasNextPage && (
        <p className="row">
          <span className="muted">
            Showing {runs.length} of {data.runs.totalCount}.
          </span>
          <button type="button" onClick={() => void loadMore()}>
            Load 100 more
          </button>
        </p>
      )}
    </section>
  );
}
