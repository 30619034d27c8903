import { useEffect } from "react";
import { useQuery } from "urql";
import { Empty, ErrorState, Loading } from "../components/States";
import { Thumbnail } from "../components/Thumbnail";
import { pct } from "../format";
import { Link } from "../router";

const DATASETS = `query Datasets { datasets(first: 100) { totalCount nodes { id name version format status progress error
  splitCounts { train val test } classes } } }`;
const DATASET = `query Dataset($id: ID!) { dataset(id: $id) { id name version format status progress error splitRecipe contentHash
  splitCounts { train val test } imagesWithBoxes { train val test }
  sources { className title license packageLicense package packageVersion substitutedFor }
  classCounts { label train val test } } }`;

interface DatasetRow {
  id: string;
  name: string;
  version: number;
  format: string;
  status: string;
  progress: number | null;
  error: string | null;
  splitCounts: { train: number; val: number; test: number };
  classes: string[];
}

const SAMPLES_PER_CLASS = 4;

function DatasetDetail({ id }: { id: string }) {
  const [{ data, error, fetching }, refetch] = useQuery<{
    dataset:
      | (Omit<DatasetRow, "classes"> & {
          splitRecipe: string | null;
          contentHash: string | null;
          imagesWithBoxes: { train: number; val: number; test: number };
          sources: {
            className: string;
            title: string;
            license: string;
            packageLicense: string;
            package: string;
            packageVersion: string;
            substitutedFor: string | null;
          }[];
          classCounts: { label: string; train: number; val: number; test: number }[];
        })
      | null;
  }>({ query: DATASET, variables: { id } });
  if (fetching && !data) return <Loading what="Loading the dataset" />;
  if (error || !data?.dataset)
    return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  const d = data.dataset;
  return (
    <section aria-labelledby="dataset-title">
      <h1 id="dataset-title">
        <Link href="/datasets">Datasets</Link> / {d.name} v{d.version}
      </h1>
      <p className="muted">
        {d.format} · {d.status} · split {d.splitRecipe ?? "as imported"} · train {d.splitCounts.train} / val{" "}
        {d.splitCounts.val} / test {d.splitCounts.test} · with boxes{" "}
        {d.imagesWithBoxes.train + d.imagesWithBoxes.val + d.imagesWithBoxes.test}
      </p>
      <h2>Samples per class</h2>
      <div className="card" style={{ display: "grid", gap: "0.6rem" }}>
        {d.classCounts.map((c) => (
          <div key={c.label} className="row" style={{ alignItems: "flex-start" }}>
            <div style={{ width: "10rem" }}>
              <strong>{c.label}</strong>
              <div className="muted">
                {c.train} / {c.val} / {c.test}
              </div>
            </div>
            <div
              className="thumbs"
              style={{ flex: 1, gridTemplateColumns: "repeat(auto-fill, minmax(110px, 1fr))" }}
            >
              {Array.from({ length: Math.min(SAMPLES_PER_CLASS, c.train + c.val + c.test) }, (_, i) => (
                <div className="thumb" key={i}>
                  <Thumbnail
                    src={`/thumbnails/${d.id}?class=${encodeURIComponent(c.label)}&index=${i}`}
                    alt={`${c.label} sample ${i + 1}`}
                  />
                </div>
              ))}
            </div>
          </div>
        ))}
      </div>
      {d.sources.length > 0 && (
        <>
          <h2>Sources and licences</h2>
          <table aria-label="Sources and licences">
            <thead>
              <tr>
                <th scope="col">class</th>
                <th scope="col">artwork</th>
                <th scope="col">licence</th>
                <th scope="col">package</th>
              </tr>
            </thead>
            <tbody>
              {d.sources.map((s) => (
                <tr key={s.className}>
                  <td>{s.className}</td>
                  <td>
                    {s.title}
                    {s.substitutedFor ? ` (for ${s.substitutedFor})` : ""}
                  </td>
                  <td>{s.license}</td>
                  <td>
                    {s.package}@{s.packageVersion} ({s.packageLicense})
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export default function DatasetsPage({ datasetId }: { datasetId?: string }) {
  const [{ data, error, fetching }, refetch] = useQuery<{
    datasets: { totalCount: number; nodes: DatasetRow[] };
  }>({ query: DATASETS, pause: Boolean(datasetId) });
  const isPreparing = data?.datasets.nodes.some((d) => d.status === "GENERATING" || d.status === "IMPORTING");
  useEffect(() => {
    if (!isPreparing) return;
    const timer = setInterval(() => refetch({ requestPolicy: "network-only" }), 2000);
    return () => clearInterval(timer);
  }, [isPreparing, refetch]);
  if (datasetId) return <DatasetDetail id={datasetId} />;
  if (fetching && !data) return <Loading what="Loading datasets" />;
  if (error || !data)
    return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  return (
    <section aria-labelledby="datasets-title">
      <h1 id="datasets-title">Datasets</h1>
      {data.datasets.nodes.length === 0 ? (
        <Empty>No dataset yet. `npx logolab dataset generate` or the importDataset mutation adds one.</Empty>
      ) : (
        <table aria-label="Datasets">
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">format</th>
              <th scope="col">status</th>
              <th scope="col" className="num">
                classes
              </th>
              <th scope="col" className="num">
                train / val / test
              </th>
            </tr>
          </thead>
          <tbody>
            {data.datasets.nodes.map((d) => (
              <tr key={d.id}>
                <td>
                  <Link href={`/datasets/${d.id}`}>
                    {d.name} v{d.version}
                  </Link>
                </td>
                <td>{d.format}</td>
                <td>
                  {d.status}
                  {d.status === "GENERATING" || d.status === "IMPORTING" ? (
                    <span
                      role="progressbar"
                      aria-label={`${d.name} preparation`}
                      aria-valuenow={Math.round((d.progress ?? 0) * 100)}
                      aria-valuemin={0}
                      aria-valuemax={100}
                    >
                      {" "}
                      {pct(d.progress ?? 0, 0)}
                    </span>
                  ) : null}
                  {d.error ? <span className="field-error"> {d.error}</span> : null}
                </td>
                <td className="num">{d.classes.length}</td>
                <td className="num">
                  {d.splitCounts.train} / {d.splitCounts.val} / {d.splitCounts.test}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
