import { useRef, useState } from "react";
import { useMutation, useQuery } from "urql";
import { ErrorState } from "../components/States";
import { pct, shortId } from "../format";
import { setParams, useLocation } from "../router";

const MODELS = `query ClassifyModels { modelAliases { name run { id } }
  runs(first: 50, filter: { statuses: [SUCCEEDED] }, orderBy: BEST_VAL_MACRO_F1_DESC) { nodes { id experiment { name } hyperparameters { architecture } bestValMacroF1 } } }`;
const CLASSIFY = `mutation Classify($input: ClassifyImageInput!) { classifyImage(input: $input) {
  __typename
  ... on Classification { label probability isLogo topK { label probability } box { x y width height } modelVersion latencyMs }
  ... on InvalidImageError { message }
  ... on ModelNotFoundError { message }
} }`;

interface Classification {
  __typename: "Classification";
  label: string;
  probability: number;
  isLogo: boolean;
  topK: { label: string; probability: number }[];
  box: { x: number; y: number; width: number; height: number } | null;
  modelVersion: string;
  latencyMs: number;
}
type Result = Classification | { __typename: "InvalidImageError" | "ModelNotFoundError"; message: string };

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export default function ClassifyPage() {
  const { params } = useLocation();
  const model = params.get("model") ?? "";
  const [{ data }] = useQuery<{
    modelAliases: { name: string; run: { id: string } }[];
    runs: {
      nodes: {
        id: string;
        experiment: { name: string };
        hyperparameters: { architecture: string };
        bestValMacroF1: number | null;
      }[];
    };
  }>({
    query: MODELS,
  });
  const [state, classify] = useMutation<{ classifyImage: Result }>(CLASSIFY);
  const [preview, setPreview] = useState<{ url: string; width: number; height: number } | null>(null);
  const [isOver, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const chosen = model || data?.modelAliases[0]?.name || data?.runs.nodes[0]?.id || "";

  async function use(file: File | undefined) {
    if (!file) return;
    const url = await readAsDataUrl(file);
    const image = new Image();
    image.onload = () => setPreview({ url, width: image.naturalWidth, height: image.naturalHeight });
    image.src = url;
    setPreview({ url, width: 0, height: 0 });
    await classify({ input: { imageBase64: url, model: chosen || undefined, topK: 5 } });
  }

  const result = state.data?.classifyImage;
  return (
    <section aria-labelledby="classify-title">
      <h1 id="classify-title">Classify an image</h1>
      <div className="card row">
        <label htmlFor="classify-model">Model</label>
        <select
          id="classify-model"
          value={chosen}
          onChange={(event) => setParams({ model: event.target.value })}
        >
          {data?.modelAliases.length ? (
            <optgroup label="Aliases">
              {data.modelAliases.map((a) => (
                <option key={a.name} value={a.name}>
                  {a.name} → run {shortId(a.run.id)}
                </option>
              ))}
            </optgroup>
          ) : null}
          <optgroup label="Finished runs (best checkpoint)">
            {data?.runs.nodes.map((r) => (
              <option key={r.id} value={r.id}>
                {shortId(r.id)} {r.hyperparameters.architecture} · {r.experiment.name} · F1{" "}
                {pct(r.bestValMacroF1)}
              </option>
            ))}
          </optgroup>
        </select>
      </div>
      <div
        className={`dropzone${isOver ? " over" : ""}`}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(event) => {
          event.preventDefault();
          setOver(false);
          void use(event.dataTransfer.files[0]);
        }}
      >
        <p>Drop an image here, or</p>
        <label className="primary" htmlFor="classify-file" style={{ fontWeight: 600 }}>
          Choose an image (JPEG, PNG, WebP)
        </label>{" "}
        <input
          id="classify-file"
          ref={input}
          type="file"
          accept="image/jpeg,image/png,image/webp"
          onChange={(event) => void use(event.target.files?.[0])}
        />
      </div>
      {state.error && <ErrorState error={state.error} />}
      {state.fetching && <p role="status">Classifying…</p>}
      <div className="grid2" style={{ marginTop: "1rem" }}>
        {preview && (
          <div className="card">
            <div className="preview">
              <img src={preview.url} alt="the image sent" />
              {result?.__typename === "Classification" && result.box && preview.width > 0 && (
                <div
                  className="box"
                  data-testid="logo-box"
                  aria-label={`logo found at ${Math.round(result.box.x)},${Math.round(result.box.y)}`}
                  style={{
                    left: `${(result.box.x / preview.width) * 100}%`,
                    top: `${(result.box.y / preview.height) * 100}%`,
                    width: `${(result.box.width / preview.width) * 100}%`,
                    height: `${(result.box.height / preview.height) * 100}%`,
                  }}
                />
              )}
            </div>
          </div>
        )}
        {result && result.__typename === "Classification" && (
          <div className="card" aria-live="polite">
            <h2 style={{ marginTop: 0 }} data-testid="classification-label">
              {result.isLogo ? `Logo: ${result.label}` : "No logo"}{" "}
              <span className="muted">({pct(result.probability)})</span>
            </h2>
            <div className="bars" role="list" aria-label="top-5 labels">
              {result.topK.map((t) => (
                <div role="listitem" key={t.label} style={{ display: "contents" }}>
                  <span>{t.label}</span>
                  <span className="bar" aria-hidden="true">
                    <div style={{ width: `${(t.probability * 100).toFixed(1)}%` }} />
                  </span>
                  <span className="num">{pct(t.probability)}</span>
                </div>
              ))}
            </div>
            <p className="muted wrap">
              {result.box ? "box drawn on the image" : "this model gives no box"} ·{" "}
              {result.latencyMs.toFixed(1)} ms · model {result.modelVersion}
            </p>
          </div>
        )}
        {result && result.__typename !== "Classification" && (
          <div className="state state-invalid" role="alert">
            {result.message}
          </div>
        )}
      </div>
    </section>
  );
}
