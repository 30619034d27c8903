import { useState, type FormEvent } from "react";
import { useClient, useMutation, useQuery } from "urql";
import { failureOf, type Failure } from "../api";
import { ErrorState } from "../components/States";

/** The article's settings (src/ml/hyperparameters.ts `defaultHyperparameters`), the form's starting point. */
export const ARTICLE_DEFAULTS = {
  architecture: "ALEXNET_LITE",
  pretrained: false,
  trainableLayers: "ALL",
  imageSize: 96,
  batchSize: 40,
  epochs: 20,
  optimizer: "SGD",
  learningRate: 0.01,
  weightDecay: 0.001,
  augmentations: ["HORIZONTAL_FLIP", "RANDOM_CROP"],
  lossWeighting: "NONE",
  seed: 42,
};
type Draft = typeof ARTICLE_DEFAULTS;

/** The API's defaults for an architecture (LOCALIZER has its own tuned ones). */
const DEFAULTS = `query DefaultHyperparameters($architecture: Architecture) {
  defaultHyperparameters(architecture: $architecture) {
    architecture pretrained trainableLayers imageSize batchSize epochs optimizer learningRate weightDecay
    augmentations lossWeighting seed
  }
}`;

const START_RUN = `mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id status } }`;
const EXPERIMENTS = `query Experiments { experiments(first: 100) { nodes { id name dataset { name version } } } }`;
const DATASETS = `query DatasetsForExperiment { datasets(first: 100) { nodes { id name version status } } }`;
const CREATE_EXPERIMENT = `mutation CreateExperiment($input: CreateExperimentInput!) { createExperiment(input: $input) { id name } }`;

const AUGMENTATIONS = ["HORIZONTAL_FLIP", "RANDOM_CROP", "RANDOM_RESIZED_CROP", "COLOR_JITTER"];

/** The message of a failure that names this field (extensions.field), shown beside it. */
function FieldError({ failure, field }: { failure: Failure | undefined; field: string }) {
  if (failure?.kind !== "invalid" || failure.field !== field) return null;
  return (
    <span id={`error-${field}`} className="field-error" role="alert">
      {failure.message}
    </span>
  );
}

function fieldProps(failure: Failure | undefined, field: string) {
  const isInvalid = failure?.kind === "invalid" && failure.field === field;
  return {
    id: `hp-${field}`,
    name: field,
    "aria-invalid": isInvalid ? true : undefined,
    "aria-describedby": isInvalid ? `error-${field}` : undefined,
  };
}

export function NewRunForm({ onStarted }: { onStarted(id: string): void }) {
  const [{ data: experiments }] = useQuery<{
    experiments: { nodes: { id: string; name: string; dataset: { name: string; version: number } }[] };
  }>({
    query: EXPERIMENTS,
  });
  const [experimentId, setExperimentId] = useState("");
  const [draft, setDraft] = useState<Draft>(ARTICLE_DEFAULTS);
  const client = useClient();
  /** Switching to LOCALIZER (or back) takes that architecture's defaults from the API. */
  async function chooseArchitecture(architecture: string) {
    setDraft((current) => ({ ...current, architecture }));
    const result = await client
      .query<{ defaultHyperparameters: Draft }>(DEFAULTS, { architecture })
      .toPromise();
    const defaults = result.data?.defaultHyperparameters;
    if (!defaults) return;
    // Only the form's fields (urql adds __typename, which no input type accepts).
    const picked = Object.fromEntries(
      Object.keys(ARTICLE_DEFAULTS).map((key) => [key, defaults[key as keyof Draft]]),
    );
    setDraft((current) => (current.architecture === architecture ? (picked as Draft) : current));
  }
  const [state, startRun] = useMutation<{ startRun: { id: string } }>(START_RUN);
  const failure = failureOf(state.error);
  const chosen = experimentId || experiments?.experiments.nodes[0]?.id || "";
  const set = <K extends keyof Draft>(name: K, value: Draft[K]) => setDraft({ ...draft, [name]: value });
  const number = (name: keyof Draft) => ({
    ...fieldProps(failure, name),
    type: "number",
    step: "any",
    value: String(draft[name]),
    onChange: (event: { target: { value: string } }) =>
      set(name, (event.target.value === "" ? NaN : Number(event.target.value)) as never),
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trainableLayers = /^\d+$/.test(String(draft.trainableLayers))
      ? Number(draft.trainableLayers)
      : draft.trainableLayers;
    const result = await startRun({
      input: { experimentId: chosen, hyperparameters: { ...draft, trainableLayers } },
    });
    if (result.data) onStarted(result.data.startRun.id);
  }

  const generalFailure =
    failure && !(failure.kind === "invalid" && failure.field && failure.field in ARTICLE_DEFAULTS)
      ? state.error
      : undefined;
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-run-title" noValidate>
      <h2 id="new-run-title">New run</h2>
      <p className="muted">
        Pre-filled with the article's settings; choosing an architecture takes its defaults from the API
        (LOCALIZER, the recommended model, has its own); the API checks every value.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="hp-experiment">Experiment</label>
          <select id="hp-experiment" value={chosen} onChange={(event) => setExperimentId(event.target.value)}>
            {experiments?.experiments.nodes.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name} ({e.dataset.name} v{e.dataset.version})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="hp-architecture">Architecture</label>
          <select
            {...fieldProps(failure, "architecture")}
            value={draft.architecture}
            onChange={(event) => void chooseArchitecture(event.target.value)}
          >
            <option value="LOCALIZER">LOCALIZER (recommended: finds and names the logo)</option>
            <option>ALEXNET_LITE</option>
            <option>RESNET18_V2</option>
            <option>MOBILENET_V2</option>
          </select>
          <FieldError failure={failure} field="architecture" />
        </div>
        <div className="field">
          <label htmlFor="hp-pretrained">Pretrained</label>
          <select
            {...fieldProps(failure, "pretrained")}
            value={String(draft.pretrained)}
            onChange={(event) => set("pretrained", event.target.value === "true")}
          >
            <option value="false">no (from scratch)</option>
            <option value="true">yes (fine-tune)</option>
          </select>
          <FieldError failure={failure} field="pretrained" />
        </div>
        <div className="field">
          <label htmlFor="hp-trainableLayers">Trainable layers</label>
          <input
            {...fieldProps(failure, "trainableLayers")}
            value={String(draft.trainableLayers)}
            onChange={(event) => set("trainableLayers", event.target.value)}
          />
          <FieldError failure={failure} field="trainableLayers" />
        </div>
        {(["imageSize", "batchSize", "epochs", "learningRate", "weightDecay", "seed"] as const).map(
          (name) => (
            <div className="field" key={name}>
              <label htmlFor={`hp-${name}`}>{name}</label>
              <input {...number(name)} />
              <FieldError failure={failure} field={name} />
            </div>
          ),
        )}
        <div className="field">
          <label htmlFor="hp-optimizer">Optimizer</label>
          <select
            {...fieldProps(failure, "optimizer")}
            value={draft.optimizer}
            onChange={(event) => set("optimizer", event.target.value)}
          >
            <option>SGD</option>
            <option>MOMENTUM</option>
            <option>ADAM</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="hp-lossWeighting">Loss weighting</label>
          <select
            {...fieldProps(failure, "lossWeighting")}
            value={draft.lossWeighting}
            onChange={(event) => set("lossWeighting", event.target.value)}
          >
            <option>NONE</option>
            <option>INVERSE_FREQUENCY</option>
            <option>EFFECTIVE_NUMBER</option>
          </select>
          <FieldError failure={failure} field="lossWeighting" />
        </div>
        <fieldset
          className="field"
          aria-describedby={
            failure?.kind === "invalid" && failure.field === "augmentations"
              ? "error-augmentations"
              : undefined
          }
        >
          <legend>Augmentations</legend>
          {AUGMENTATIONS.map((a) => (
            <label key={a} style={{ fontWeight: 400 }}>
              <input
                type="checkbox"
                checked={draft.augmentations.includes(a)}
                onChange={(event) =>
                  set(
                    "augmentations",
                    event.target.checked
                      ? [...draft.augmentations, a]
                      : draft.augmentations.filter((x) => x !== a),
                  )
                }
              />{" "}
              {a}
            </label>
          ))}
          <FieldError failure={failure} field="augmentations" />
        </fieldset>
      </div>
      {generalFailure && <ErrorState error={generalFailure} />}
      <div className="row" style={{ marginTop: "0.8rem" }}>
        <button type="submit" className="primary" disabled={state.fetching || !chosen}>
          {state.fetching ? "Starting…" : "Start run"}
        </button>
        <button type="button" onClick={() => setDraft(ARTICLE_DEFAULTS)}>
          Reset to the article's settings
        </button>
        {!chosen && experiments && <span className="muted">Create an experiment first.</span>}
      </div>
    </form>
  );
}

export function NewExperimentForm({ onCreated }: { onCreated(id: string): void }) {
  const [{ data }] = useQuery<{
    datasets: { nodes: { id: string; name: string; version: number; status: string }[] };
  }>({ query: DATASETS });
  const [name, setName] = useState("");
  const [datasetId, setDatasetId] = useState("");
  const [description, setDescription] = useState("");
  const [state, create] = useMutation<{ createExperiment: { id: string } }>(CREATE_EXPERIMENT);
  const failure = failureOf(state.error);
  const ready = data?.datasets.nodes.filter((d) => d.status === "READY") ?? [];
  const chosen = datasetId || ready[0]?.id || "";
  return (
    <form
      className="card"
      aria-labelledby="new-experiment-title"
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        const result = await create({ input: { name, datasetId: chosen, description } });
        if (result.data) onCreated(result.data.createExperiment.id);
      }}
    >
      <h2 id="new-experiment-title">New experiment</h2>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="experiment-name">Name</label>
          <input
            id="experiment-name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={failure?.kind === "invalid" && failure.field === "name" ? true : undefined}
          />
          <FieldError failure={failure} field="name" />
        </div>
        <div className="field">
          <label htmlFor="experiment-dataset">Dataset</label>
          <select
            id="experiment-dataset"
            value={chosen}
            onChange={(event) => setDatasetId(event.target.value)}
          >
            {ready.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} v{d.version}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="experiment-description">Description</label>
          <input
            id="experiment-description"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
      </div>
      {failure && !(failure.kind === "invalid" && failure.field === "name") && (
        <ErrorState error={state.error} />
      )}
      <button
        type="submit"
        className="primary"
        style={{ marginTop: "0.8rem" }}
        disabled={state.fetching || !chosen}
      >
        Create experiment
      </button>
    </form>
  );
}
