import { useEffect } from "react";
import { useMutation, useQuery } from "urql";
import { Heatmap } from "../components/Heatmap";
import { ErrorState, Loading } from "../components/States";
import { Thumbnail } from "../components/Thumbnail";
import { pct, shortId } from "../format";
import { Link, setParams, useLocation } from "../router";

const EVALUATIONS = `query RunEvaluations($id: ID!) { run(id: $id) { id status dataset { id name }
  evaluations { id status split progress error accuracy macroF1 imageCount dataset { id name } confusionMatrix { labels counts } createdAt } } }`;
const PREDICTIONS = `query CellImages($id: ID!, $truth: String, $predicted: String) { evaluation(id: $id) { id
  predictions(truth: $truth, predicted: $predicted, first: 60) { totalCount nodes { position file truth predicted probability isCorrect } } } }`;
const EVALUATE = `mutation Evaluate($input: EvaluateModelInput!) { evaluateModel(input: $input) { id status } }`;

interface Evaluation {
  id: string;
  status: string;
  split: string;
  progress: number | null;
  error: string | null;
  accuracy: number | null;
  macroF1: number | null;
  imageCount: number;
  dataset: { id: string; name: string };
  confusionMatrix: { labels: string[]; counts: number[][] } | null;
  createdAt: string;
}

export default function ErrorsPage({ runId }: { runId: string }) {
  const { params } = useLocation();
  const truth = params.get("truth") ?? "";
  const predicted = params.get("predicted") ?? "";
  const [{ data, error, fetching }, refetch] = useQuery<{
    run: {
      id: string;
      status: string;
      dataset: { id: string; name: string };
      evaluations: Evaluation[];
    } | null;
  }>({
    query: EVALUATIONS,
    variables: { id: runId },
  });
  const [evaluateState, evaluate] = useMutation(EVALUATE);
  const evaluations = data?.run?.evaluations ?? [];
  const chosenId =
    params.get("evaluation") ??
    evaluations.find((e) => e.status === "SUCCEEDED")?.id ??
    evaluations[0]?.id ??
    "";
  const evaluation = evaluations.find((e) => e.id === chosenId);
  const isRunning = evaluation?.status === "RUNNING";
  useEffect(() => {
    if (!isRunning) return;
    const timer = setInterval(() => refetch({ requestPolicy: "network-only" }), 1000);
    return () => clearInterval(timer);
  }, [isRunning, refetch]);
  const [{ data: cell, fetching: cellLoading, error: cellError }] = useQuery<{
    evaluation: {
      predictions: {
        totalCount: number;
        nodes: {
          position: number;
          file: string;
          truth: string;
          predicted: string;
          probability: number;
          isCorrect: boolean;
        }[];
      };
    } | null;
  }>({
    query: PREDICTIONS,
    variables: { id: chosenId, truth, predicted },
    pause: !chosenId || !truth || !predicted || evaluation?.status !== "SUCCEEDED",
  });

  if (fetching && !data) return <Loading what="Loading evaluations" />;
  if (error || !data?.run)
    return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  const run = data.run;
  return (
    <section aria-labelledby="errors-title">
      <h1 id="errors-title">
        Error inspector · <Link href={`/runs/${run.id}`}>run {shortId(run.id)}</Link>
      </h1>
      <div className="card row">
        {evaluations.length > 0 && (
          <label>
            Evaluation{" "}
            <select value={chosenId} onChange={(event) => setParams({ evaluation: event.target.value })}>
              {evaluations.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.dataset.name} {e.split} · {e.status} · acc. {pct(e.accuracy)}
                </option>
              ))}
            </select>
          </label>
        )}
        <button
          type="button"
          disabled={evaluateState.fetching || run.status !== "SUCCEEDED"}
          onClick={async () => {
            const result = await evaluate({
              input: { model: run.id, datasetId: run.dataset.id, split: "VAL" },
            });
            if (!result.error) refetch({ requestPolicy: "network-only" });
          }}
        >
          Evaluate the best checkpoint on {run.dataset.name} (val)
        </button>
        {run.status !== "SUCCEEDED" && <span className="muted">Only a finished run can be evaluated.</span>}
      </div>
      {evaluateState.error && <ErrorState error={evaluateState.error} />}
      {!evaluation && (
        <p className="state">No evaluation of this run yet: evaluate it to see each image's prediction.</p>
      )}
      {evaluation?.status === "RUNNING" && (
        <p className="state" role="status">
          Evaluating… {pct(evaluation.progress ?? 0, 0)}
        </p>
      )}
      {evaluation?.status === "FAILED" && (
        <div className="state state-other" role="alert">
          The evaluation failed: {evaluation.error}
        </div>
      )}
      {evaluation?.confusionMatrix && (
        <div className="grid2">
          <div className="card">
            <Heatmap
              labels={evaluation.confusionMatrix.labels}
              counts={evaluation.confusionMatrix.counts}
              isRowNormalised
              caption={`${evaluation.dataset.name} ${evaluation.split}: ${evaluation.imageCount} images, accuracy ${pct(evaluation.accuracy)} (click a cell)`}
              onSelect={(t, p) => setParams({ truth: t, predicted: p, evaluation: evaluation.id })}
            />
          </div>
          <div className="card" aria-live="polite">
            {!truth || !predicted ? (
              <p className="muted">Pick a cell of the matrix to see its images.</p>
            ) : (
              <>
                <h2 style={{ marginTop: 0 }}>
                  true <strong>{truth}</strong> predicted <strong>{predicted}</strong>{" "}
                  <span className="muted">({cell?.evaluation?.predictions.totalCount ?? "…"} images)</span>
                </h2>
                {cellError && <ErrorState error={cellError} />}
                {cellLoading && <p role="status">Loading images…</p>}
                {cell?.evaluation?.predictions.totalCount === 0 && (
                  <p className="muted">No image in this cell.</p>
                )}
                <div className="thumbs" data-testid="cell-images">
                  {cell?.evaluation?.predictions.nodes.map((p) => (
                    <figure className="thumb" key={p.position} style={{ margin: 0 }}>
                      <Thumbnail
                        src={`/thumbnails/${evaluation.dataset.id}?file=${encodeURIComponent(p.file)}`}
                        alt={`${p.file}: true ${p.truth}, predicted ${p.predicted}`}
                      />
                      <figcaption>
                        {p.file.split("/").pop()} · {pct(p.probability)}
                      </figcaption>
                    </figure>
                  ))}
                </div>
              </>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
