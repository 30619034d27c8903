import { useEffect, useMemo, useState } from "react";
import type { AlignedData } from "uplot";
import { useQuery } from "urql";
import { Heatmap } from "../components/Heatmap";
import { LineChart } from "../components/LineChart";
import { Empty, ErrorState, Loading } from "../components/States";
import { pct, shortId } from "../format";
import { Link, setParams, useLocation } from "../router";

const COMPARE = `query Compare($ids: [ID!]!, $samples: Int, $metrics: [EpochMetricName!]) {
  compareRuns(ids: $ids, samples: $samples, metrics: $metrics) {
    referenceRunId bestRunId
    runs { id status experiment { name } hyperparameters { architecture pretrained } bestValMacroF1 }
    differences { name values }
    shared { name value }
    series { runId metric points { lastEpoch last } }
    perClass { label runs { runId metrics { f1 } f1Difference } }
    confusionMatrices { runId epoch matrix { labels counts } }
    confusionDifferences { runId referenceRunId matrix { labels counts } }
  }
}`;

interface Comparison {
  referenceRunId: string;
  bestRunId: string | null;
  runs: {
    id: string;
    status: string;
    experiment: { name: string };
    hyperparameters: { architecture: string; pretrained: boolean };
    bestValMacroF1: number | null;
  }[];
  differences: { name: string; values: string[] }[];
  shared: { name: string; value: string }[];
  series: { runId: string; metric: string; points: { lastEpoch: number; last: number }[] }[];
  perClass: {
    label: string;
    runs: { runId: string; metrics: { f1: number } | null; f1Difference: number | null }[];
  }[];
  confusionMatrices: { runId: string; epoch: number; matrix: { labels: string[]; counts: number[][] } }[];
  confusionDifferences: {
    runId: string;
    referenceRunId: string;
    matrix: { labels: string[]; counts: number[][] };
  }[];
}

/** Distinct, colour-blind-friendlier hues (Tableau 10), repeated past ten runs. */
const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];
const METRICS = ["VAL_MACRO_F1", "VAL_ACCURACY", "TRAIN_ACCURACY", "TEST_ACCURACY", "LOSS"];

/** The series of one metric, aligned by epoch (uPlot's aligned columns; gaps are null). */
export function alignedByEpoch(comparison: Comparison, metric: string): AlignedData {
  const series = comparison.runs.map((run) =>
    comparison.series.find((s) => s.runId === run.id && s.metric === metric),
  );
  const epochs = [...new Set(series.flatMap((s) => s?.points.map((p) => p.lastEpoch) ?? []))].sort(
    (a, b) => a - b,
  );
  const index = new Map(epochs.map((e, i) => [e, i]));
  const columns = series.map((s) => {
    const column: (number | null)[] = epochs.map(() => null);
    for (const p of s?.points ?? []) column[index.get(p.lastEpoch)!] = p.last;
    return column;
  });
  return [epochs, ...columns] as AlignedData;
}

function Delta({ value }: { value: number | null }) {
  if (value === null) return <span className="muted">—</span>;
  const text = `${value > 0 ? "+" : ""}${value.toFixed(3)}`;
  return <span className={value > 0 ? "delta-pos" : value < 0 ? "delta-neg" : undefined}>{text}</span>;
}

export default function ComparePage() {
  const { params } = useLocation();
  const ids = (params.get("ids") ?? "").split(",").filter(Boolean);
  const metric = params.get("metric") ?? "VAL_MACRO_F1";
  const isAll = params.get("all") === "1";
  const byDelta = params.get("sort") === "delta";
  const [matrixRun, setMatrixRun] = useState<string>("");
  const [{ data, error, fetching }, refetch] = useQuery<{ compareRuns: Comparison }>({
    query: COMPARE,
    variables: { ids, samples: 200, metrics: METRICS },
    pause: ids.length < 2,
  });
  const comparison = data?.compareRuns;
  // bench:web reads "logolab:compare-render": data in the page → committed and drawn (next frame).
  if (comparison && performance.getEntriesByName("logolab:compare-data").length === 0)
    performance.mark("logolab:compare-data");
  useEffect(() => {
    if (!comparison) return;
    const frame = requestAnimationFrame(() => {
      if (performance.getEntriesByName("logolab:compare-render").length === 0) {
        performance.measure("logolab:compare-render", "logolab:compare-data");
      }
    });
    return () => cancelAnimationFrame(frame);
  }, [comparison]);
  const lines = useMemo(
    () =>
      (comparison?.runs ?? []).map((run, i) => ({
        label: `${shortId(run.id)} ${run.hyperparameters.architecture}`,
        stroke: PALETTE[i % PALETTE.length],
      })),
    [comparison],
  );
  const curves = useMemo(
    () => (comparison ? alignedByEpoch(comparison, metric) : ([[]] as unknown as AlignedData)),
    [comparison, metric],
  );

  if (ids.length < 2)
    return (
      <section>
        <h1>Compare</h1>
        <Empty>
          Select two or more runs on the <Link href="/">Runs</Link> page, then press Compare.
        </Empty>
      </section>
    );
  if (fetching && !data) return <Loading what={`Comparing ${ids.length} runs`} />;
  if (error || !comparison)
    return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;

  const reference = comparison.referenceRunId;
  const others = comparison.runs.filter((r) => r.id !== reference);
  const second = matrixRun || others[0]?.id || "";
  const rowsHp = isAll
    ? [
        ...comparison.differences.map((d) => ({ name: d.name, values: d.values, isDifferent: true })),
        ...comparison.shared.map((s) => ({
          name: s.name,
          values: comparison.runs.map(() => s.value),
          isDifferent: false,
        })),
      ]
    : comparison.differences.map((d) => ({ name: d.name, values: d.values, isDifferent: true }));
  const perClass = [...comparison.perClass];
  const deltaOf = (row: Comparison["perClass"][number]) =>
    Math.max(0, ...row.runs.filter((r) => r.runId !== reference).map((r) => Math.abs(r.f1Difference ?? 0)));
  if (byDelta) perClass.sort((a, b) => deltaOf(b) - deltaOf(a));
  const matrixOf = (runId: string) => comparison.confusionMatrices.find((m) => m.runId === runId);
  const difference = comparison.confusionDifferences.find((d) => d.runId === second);
  return (
    <section aria-labelledby="compare-title">
      <h1 id="compare-title">Compare {comparison.runs.length} runs</h1>
      <div className="card">
        <div className="row">
          <label>
            Metric{" "}
            <select value={metric} onChange={(event) => setParams({ metric: event.target.value })}>
              {METRICS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <span className="muted">
            reference run {shortId(reference)} · best{" "}
            {comparison.bestRunId ? shortId(comparison.bestRunId) : "—"}
          </span>
        </div>
        <LineChart
          title={`${metric} by epoch`}
          xLabel="epoch"
          lines={lines}
          initial={curves}
          key={`${metric}-${ids.join()}`}
        />
      </div>
      <div className="card">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2 style={{ margin: 0 }}>Hyperparameters</h2>
          <label>
            <input
              type="checkbox"
              checked={!isAll}
              onChange={(event) => setParams({ all: event.target.checked ? undefined : "1" })}
            />{" "}
            only differences
          </label>
        </div>
        {rowsHp.length === 0 ? (
          <p className="muted">These runs share every hyperparameter.</p>
        ) : (
          <div style={{ overflowX: "auto" }}>
            <table aria-label="Hyperparameter differences">
              <thead>
                <tr>
                  <th scope="col">hyperparameter</th>
                  {comparison.runs.map((run, i) => (
                    <th scope="col" key={run.id}>
                      <span className="legend-swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
                      <Link href={`/runs/${run.id}`}>{shortId(run.id)}</Link>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rowsHp.map((row) => (
                  <tr key={row.name}>
                    <th scope="row" style={{ position: "static" }}>
                      {row.name}
                      {row.isDifferent ? "" : " (shared)"}
                    </th>
                    {row.values.map((v, i) => (
                      <td key={i}>{v}</td>
                    ))}
                  </tr>
                ))}
                <tr>
                  <th scope="row" style={{ position: "static" }}>
                    best val macro-F1
                  </th>
                  {comparison.runs.map((run) => (
                    <td key={run.id}>{pct(run.bestValMacroF1)}</td>
                  ))}
                </tr>
              </tbody>
            </table>
          </div>
        )}
      </div>
      <div className="card">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2 style={{ margin: 0 }}>Per-brand F1 (Δ against {shortId(reference)})</h2>
          <button
            type="button"
            onClick={() => setParams({ sort: byDelta ? undefined : "delta" })}
            aria-pressed={byDelta}
          >
            Sort by |Δ|
          </button>
        </div>
        <div style={{ overflowX: "auto", maxHeight: 420 }}>
          <table aria-label="Per-brand F1">
            <thead>
              <tr>
                <th scope="col">brand</th>
                {comparison.runs.map((run) => (
                  <th scope="col" key={run.id} className="num">
                    {shortId(run.id)}
                    {run.id === reference ? " (ref)" : " F1 / Δ"}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {perClass.map((row) => (
                <tr key={row.label}>
                  <th scope="row" style={{ position: "static" }}>
                    {row.label}
                  </th>
                  {comparison.runs.map((run) => {
                    const cell = row.runs.find((r) => r.runId === run.id);
                    return (
                      <td key={run.id} className="num">
                        {cell?.metrics ? cell.metrics.f1.toFixed(3) : "—"}
                        {run.id !== reference && (
                          <>
                            {" "}
                            <Delta value={cell?.f1Difference ?? null} />
                          </>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div className="card">
        <div className="row">
          <h2 style={{ margin: 0 }}>Confusion matrices</h2>
          <label>
            B ={" "}
            <select value={second} onChange={(event) => setMatrixRun(event.target.value)}>
              {others.map((r) => (
                <option key={r.id} value={r.id}>
                  {shortId(r.id)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="grid2">
          {[reference, second].map((id, i) => {
            const m = matrixOf(id);
            return m ? (
              <Heatmap
                key={id}
                labels={m.matrix.labels}
                counts={m.matrix.counts}
                isRowNormalised
                caption={`${i === 0 ? "A" : "B"}: run ${shortId(id)}, epoch ${m.epoch}`}
              />
            ) : (
              <p key={id} className="muted">
                Run {shortId(id)} has no epoch yet.
              </p>
            );
          })}
          {difference && (
            <Heatmap
              labels={difference.matrix.labels}
              counts={difference.matrix.counts}
              isDiverging
              caption={`B − A: blue = more in B, red = fewer`}
            />
          )}
        </div>
      </div>
    </section>
  );
}
