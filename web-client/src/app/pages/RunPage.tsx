import { startTransition, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import type { AlignedData } from "uplot";
import { useClient, useMutation, useQuery } from "urql";
import { Heatmap } from "../components/Heatmap";
import { LineChart, type ChartFeed } from "../components/LineChart";
import { ErrorState, Loading } from "../components/States";
import { date, duration, ema, num, pct, shortId } from "../format";
import { Link, navigate, setParams, useLocation } from "../router";
import { useSession } from "../session";
import {
  CANCEL_RUN,
  HYPERPARAMETER_FIELDS,
  isActive,
  type HyperparameterValues,
  type RunStatus,
} from "./runTypes";

export const EPOCH_FIELDS = `epoch loss trainAccuracy valAccuracy testAccuracy valMacroF1 majorityBaselineAccuracy durationMs createdAt
  perClass { label precision recall f1 support } confusionMatrix { labels counts }`;

export interface EpochRow {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  valAccuracy: number;
  testAccuracy: number | null;
  valMacroF1: number;
  majorityBaselineAccuracy: number;
  durationMs: number;
  createdAt: string;
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  confusionMatrix: { labels: string[]; counts: number[][] };
}

interface Progress {
  phase: string;
  epoch: number;
  batch: number;
  batchCount: number;
  imagesDone: number;
  imagesTotal: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
  loss: number | null;
}

interface RunDetail {
  id: string;
  status: RunStatus;
  error: string | null;
  attempt: number;
  resumedFromEpoch: number | null;
  experiment: { id: string; name: string };
  dataset: { id: string; name: string; version: number };
  hyperparameters: HyperparameterValues;
  mlBackend: string | null;
  bestEpoch: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  bestCheckpoint: { id: string; epoch: number; bytes: number; sha256: string; createdAt: string } | null;
}

const RUN = `query Run($id: ID!) { run(id: $id) {
  id status error attempt resumedFromEpoch experiment { id name } dataset { id name version }
  hyperparameters { ${HYPERPARAMETER_FIELDS} } mlBackend bestEpoch createdAt startedAt finishedAt
  bestCheckpoint { id epoch bytes sha256 createdAt }
} }`;
/** The history, read once when the subscription (re)connects; later epochs arrive as events. */
const RUN_EPOCHS = `query RunEpochs($id: ID!) { run(id: $id) { id epochs { ${EPOCH_FIELDS} } } }`;
const PROGRESS = `subscription RunProgress($runId: ID!) { runProgress(runId: $runId) {
  kind status at
  epoch { ${EPOCH_FIELDS} }
  progress { phase epoch batch batchCount imagesDone imagesTotal imagesPerSecond etaSeconds loss }
  run { id status error bestEpoch finishedAt }
} }`;

/** Epoch metrics of one run in epoch order; appending an epoch already held replaces it. */
export class EpochBuffer {
  readonly rows: EpochRow[] = [];
  get lastEpoch(): number {
    return this.rows.at(-1)?.epoch ?? 0;
  }
  /** Adds epochs (any order, duplicates ignored); true when something changed. */
  append(epochs: readonly EpochRow[]): boolean {
    let changed = false;
    for (const e of epochs) {
      if (e.epoch > this.lastEpoch) {
        this.rows.push(e);
        changed = true;
      } else if (!this.rows.some((r) => r.epoch === e.epoch)) {
        this.rows.push(e);
        this.rows.sort((a, b) => a.epoch - b.epoch);
        changed = true;
      }
    }
    return changed;
  }
}

type XMode = "epoch" | "time";

function lossData(rows: readonly EpochRow[], x: XMode, smoothing: number): AlignedData {
  const xs = rows.map((r) => (x === "epoch" ? r.epoch : Date.parse(r.createdAt) / 1000));
  const raw = rows.map((r) => r.loss);
  return [xs, raw, ema(raw, smoothing)] as AlignedData;
}

function accuracyData(rows: readonly EpochRow[], x: XMode, smoothing: number): AlignedData {
  const xs = rows.map((r) => (x === "epoch" ? r.epoch : Date.parse(r.createdAt) / 1000));
  const val = rows.map((r) => r.valAccuracy);
  return [
    xs,
    ema(
      rows.map((r) => r.trainAccuracy),
      smoothing,
    ),
    val,
    ema(val, smoothing),
    rows.map((r) => r.testAccuracy),
    rows.map((r) => r.valMacroF1),
    rows.map((r) => r.majorityBaselineAccuracy),
  ] as AlignedData;
}

function ProgressBar({ progress, status }: { progress: Progress | null; status: RunStatus }) {
  if (!progress || !isActive(status)) return null;
  const share = progress.batchCount ? progress.batch / progress.batchCount : 0;
  return (
    <div className="card" aria-labelledby="progress-title">
      <h2 id="progress-title" style={{ marginTop: 0 }}>
        Epoch {progress.epoch} · {progress.phase.toLowerCase()}
      </h2>
      <div
        className="progress"
        role="progressbar"
        aria-label={`epoch ${progress.epoch} batch progress`}
        aria-valuemin={0}
        aria-valuemax={progress.batchCount}
        aria-valuenow={progress.batch}
      >
        <div style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </div>
      <p className="muted" style={{ marginBottom: 0 }}>
        batch {progress.batch}/{progress.batchCount} · {progress.imagesDone}/{progress.imagesTotal} images ·{" "}
        {progress.imagesPerSecond.toFixed(1)} images/s · ETA{" "}
        {progress.etaSeconds === null ? "—" : `${Math.round(progress.etaSeconds)} s`}
        {progress.loss !== null ? ` · batch loss ${progress.loss.toFixed(3)}` : ""}
      </p>
    </div>
  );
}

function F1Bars({ epoch }: { epoch: EpochRow }) {
  const sorted = [...epoch.perClass].sort((a, b) => a.f1 - b.f1);
  return (
    <div>
      <h2>Per-brand F1 (epoch {epoch.epoch}, worst first)</h2>
      <div className="bars" role="list" aria-label={`per-brand F1 at epoch ${epoch.epoch}`}>
        {sorted.map((c) => (
          <div role="listitem" key={c.label} style={{ display: "contents" }}>
            <span title={c.label}>{c.label}</span>
            <span className="bar" aria-hidden="true">
              <div style={{ width: `${(c.f1 * 100).toFixed(1)}%` }} />
            </span>
            <span className="num">{c.f1.toFixed(2)}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

export default function RunPage({ runId }: { runId: string }) {
  const { params } = useLocation();
  const smoothing = Number(params.get("smooth") ?? "0.6");
  const isLog = params.get("log") === "1";
  const xMode: XMode = params.get("x") === "time" ? "time" : "epoch";
  const isRowNormalised = params.get("norm") !== "0";
  const client = useClient();
  const { socket } = useSession();
  const [{ data, error, fetching }, refetch] = useQuery<{ run: RunDetail | null }>({
    query: RUN,
    variables: { id: runId },
  });
  const refetchDetail = useRef(refetch);
  refetchDetail.current = refetch;
  const lastDetailAt = useRef(0);
  const [cancelState, cancelRun] = useMutation(CANCEL_RUN);
  const buffer = useRef(new EpochBuffer());
  const feeds = useRef<{ loss?: ChartFeed; accuracy?: ChartFeed }>({});
  /** What React renders (heatmap, bars, slider): a copy of the buffer, refreshed at most once a second. */
  const [snapshot, setSnapshot] = useState<readonly EpochRow[]>([]);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [live, setLive] = useState<{ status?: RunStatus; error?: string | null; connected: boolean }>({
    connected: false,
  });
  const liveRef = useRef(live);
  const settings = useRef({ smoothing, xMode });
  settings.current = { smoothing, xMode };

  // Charts are fed straight from the buffer (batched per frame by LineChart); React re-renders
  // the rest of the page at most twice a second, whatever the event rate.
  const renderTimer = useRef(0);
  const hasSnapshot = useRef(false);
  const redraw = useCallback(() => {
    const rows = buffer.current.rows;
    feeds.current.loss?.set(lossData(rows, settings.current.xMode, settings.current.smoothing));
    feeds.current.accuracy?.set(accuracyData(rows, settings.current.xMode, settings.current.smoothing));
    if (!hasSnapshot.current) {
      // The history's first read shows at once; later epochs are batched.
      hasSnapshot.current = true;
      setSnapshot(buffer.current.rows.slice());
      return;
    }
    if (!renderTimer.current) {
      renderTimer.current = window.setTimeout(() => {
        renderTimer.current = 0;
        // A transition: React renders the heatmap and bars in slices, never one long task.
        startTransition(() => setSnapshot(buffer.current.rows.slice()));
      }, 1000);
    }
  }, []);
  useEffect(() => () => clearTimeout(renderTimer.current), []);

  useEffect(() => {
    buffer.current = new EpochBuffer();
    hasSnapshot.current = false;
    let isCurrent = true;
    async function catchUp() {
      const result = await client
        .query<{ run: { epochs: EpochRow[] } | null }>(
          RUN_EPOCHS,
          { id: runId },
          { requestPolicy: "network-only" },
        )
        .toPromise();
      const epochs = result.data?.run?.epochs ?? [];
      if (isCurrent && buffer.current.append(epochs.filter((e) => e.epoch > buffer.current.lastEpoch)))
        redraw();
    }
    const stop = socket.subscribe<{
      runProgress: {
        kind: string;
        status: RunStatus | null;
        epoch: EpochRow | null;
        progress: Progress | null;
        run: { status: RunStatus; error: string | null };
      };
    }>(
      { query: PROGRESS, variables: { runId } },
      {
        next(message) {
          const event = message.data?.runProgress;
          if (!event || !isCurrent) return;
          if (event.kind === "SNAPSHOT") void catchUp();
          // Status, best checkpoint and backend change with these; the history is not refetched.
          // (after an epoch at most every 5 s: 10 epochs/s must not mean 10 refetches/s).
          const isDetailDue = event.kind === "EPOCH" && Date.now() - lastDetailAt.current > 5000;
          if (event.kind === "STATUS" || isDetailDue) {
            lastDetailAt.current = Date.now();
            refetchDetail.current({ requestPolicy: "network-only" });
          }
          if (event.epoch && buffer.current.append([event.epoch])) redraw();
          if (event.kind === "PROGRESS" && event.progress) {
            const progress = event.progress;
            startTransition(() => setProgress(progress));
          }
          const isChanged =
            !liveRef.current.connected ||
            liveRef.current.status !== event.run.status ||
            liveRef.current.error !== event.run.error;
          if (isChanged) {
            const next = { status: event.run.status, error: event.run.error, connected: true };
            liveRef.current = next;
            setLive(next);
          }
        },
        error() {
          if (isCurrent) {
            liveRef.current = { ...liveRef.current, connected: false };
            setLive(liveRef.current);
          }
        },
        complete() {
          if (isCurrent) {
            liveRef.current = { ...liveRef.current, connected: false };
            setLive(liveRef.current);
          }
        },
      },
    );
    return () => {
      isCurrent = false;
      stop();
    };
  }, [runId, socket, client, redraw]);

  useEffect(() => redraw(), [smoothing, xMode, redraw]);

  const rows = snapshot;
  const run = data?.run;
  const status = live.status ?? run?.status ?? "QUEUED";
  const selectedEpoch = Number(params.get("epoch") ?? rows.at(-1)?.epoch ?? 0);
  const shown = useDeferredValue(rows.find((r) => r.epoch === selectedEpoch) ?? rows.at(-1));
  const baseline = rows.at(-1)?.majorityBaselineAccuracy;

  const lossLines = useMemo(
    () => [
      { label: "loss (raw)", stroke: "rgba(220, 38, 38, 0.3)", width: 1 },
      { label: `loss (EMA ${smoothing})`, stroke: "#dc2626" },
    ],
    [smoothing],
  );
  const accuracyLines = useMemo(
    () => [
      { label: "train acc. (EMA)", stroke: "#7c3aed" },
      { label: "val acc. (raw)", stroke: "rgba(37, 99, 235, 0.3)", width: 1 },
      { label: "val acc. (EMA)", stroke: "#2563eb" },
      { label: "test acc.", stroke: "#059669" },
      { label: "val macro-F1", stroke: "#d97706" },
      { label: "majority baseline", stroke: "#6b7280", dash: [6, 4] },
    ],
    [],
  );

  if (fetching && !data) return <Loading what="Loading the run" />;
  if (error) return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  if (!run) return <p className="state">No run {runId}.</p>;
  const h = run.hyperparameters;
  return (
    <section aria-labelledby="run-title">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1 id="run-title">
          Run {shortId(run.id)} <span className={`status status-${status}`}>{status}</span>
        </h1>
        <div className="row">
          <span className="muted" role="status">
            {live.connected ? "● live" : isActive(status) ? "○ reconnecting…" : "finished"}
          </span>
          <Link href={`/runs/${run.id}/errors`}>Error inspector</Link>
          {isActive(status) && (
            <button
              type="button"
              className="danger"
              disabled={cancelState.fetching}
              onClick={() => cancelRun({ id: run.id })}
            >
              Cancel run
            </button>
          )}
        </div>
      </div>
      <p className="muted">
        {run.experiment.name} · {run.dataset.name} v{run.dataset.version} · {h.architecture}
        {h.pretrained ? " pretrained" : " from scratch"} · {h.imageSize}px · batch {h.batchSize} ·{" "}
        {h.optimizer} lr {h.learningRate} · {h.epochs} epochs · backend {run.mlBackend ?? "—"} ·{" "}
        {duration(run.startedAt, run.finishedAt)}
        {run.attempt > 1
          ? ` · attempt ${run.attempt}, resumed from epoch ${run.resumedFromEpoch ?? "—"}`
          : ""}
      </p>
      {(live.error ?? run.error) && (
        <div className="state state-other" role="alert">
          <strong>The run failed</strong>
          <p>{live.error ?? run.error}</p>
        </div>
      )}
      {cancelState.error && <ErrorState error={cancelState.error} />}
      <ProgressBar progress={progress} status={status} />
      <div className="card row" role="group" aria-label="Chart settings">
        <label>
          Smoothing (EMA){" "}
          <input
            type="range"
            min={0}
            max={0.95}
            step={0.05}
            value={smoothing}
            onChange={(event) => setParams({ smooth: event.target.value })}
          />{" "}
          {smoothing.toFixed(2)}
        </label>
        <label>
          <input
            type="checkbox"
            checked={isLog}
            onChange={(event) => setParams({ log: event.target.checked ? "1" : undefined })}
          />{" "}
          log-scale loss
        </label>
        <label>
          x-axis{" "}
          <select
            value={xMode}
            onChange={(event) => setParams({ x: event.target.value === "time" ? "time" : undefined })}
          >
            <option value="epoch">epoch</option>
            <option value="time">wall time</option>
          </select>
        </label>
        <span className="muted">
          {rows.length} of {h.epochs} epochs · baseline {pct(baseline)}
        </span>
      </div>
      <div className="grid2">
        <div className="card" data-testid="loss-chart">
          <LineChart
            title="Loss"
            xLabel={xMode === "epoch" ? "epoch" : "time"}
            isTime={xMode === "time"}
            isLogScale={isLog}
            lines={lossLines}
            initial={lossData(rows, xMode, smoothing)}
            onReady={(feed) => (feeds.current.loss = feed)}
          />
        </div>
        <div className="card" data-testid="accuracy-chart">
          <LineChart
            title="Accuracy and macro-F1"
            xLabel={xMode === "epoch" ? "epoch" : "time"}
            isTime={xMode === "time"}
            lines={accuracyLines}
            initial={accuracyData(rows, xMode, smoothing)}
            onReady={(feed) => (feeds.current.accuracy = feed)}
          />
        </div>
      </div>
      {shown ? (
        <div className="grid2">
          <div className="card">
            <div className="row">
              <label>
                Epoch{" "}
                <input
                  type="range"
                  min={rows[0]?.epoch ?? 1}
                  max={rows.at(-1)?.epoch ?? 1}
                  value={shown.epoch}
                  onChange={(event) => setParams({ epoch: event.target.value })}
                />{" "}
                {shown.epoch}
              </label>
              <label>
                <input
                  type="checkbox"
                  checked={isRowNormalised}
                  onChange={(event) => setParams({ norm: event.target.checked ? undefined : "0" })}
                />{" "}
                row-normalised
              </label>
              <span className="muted">
                val acc. {pct(shown.valAccuracy)} · macro-F1 {num(shown.valMacroF1)}
              </span>
            </div>
            <Heatmap
              labels={shown.confusionMatrix.labels}
              counts={shown.confusionMatrix.counts}
              isRowNormalised={isRowNormalised}
              caption={`Validation confusion matrix, epoch ${shown.epoch} (click a cell for its images)`}
              onSelect={(truth, predicted) =>
                navigate(
                  `/runs/${run.id}/errors?truth=${encodeURIComponent(truth)}&predicted=${encodeURIComponent(predicted)}`,
                )
              }
            />
          </div>
          <div className="card">
            <F1Bars epoch={shown} />
          </div>
        </div>
      ) : (
        <p className="state">No epoch has finished yet; the charts fill in as epochs end.</p>
      )}
      <div className="card">
        <h2 style={{ marginTop: 0 }}>Checkpoints</h2>
        {run.bestCheckpoint ? (
          <p>
            best: epoch {run.bestCheckpoint.epoch} · {(run.bestCheckpoint.bytes / 1e6).toFixed(2)} MB · sha256{" "}
            <code>{run.bestCheckpoint.sha256.slice(0, 12)}</code> · {date(run.bestCheckpoint.createdAt)}
          </p>
        ) : (
          <p className="muted">No checkpoint yet.</p>
        )}
      </div>
    </section>
  );
}
