import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from "react";
import { Provider, useQuery } from "urql";
import { readApiKey, storeApiKey } from "../shared/apiKey";
import { createApiClient, createSocket } from "./api";
import { Loading } from "./components/States";
import { Link, useLocation } from "./router";
import { SessionContext, type Session } from "./session";

// Every page is its own chunk: the first load carries only the shell and the page it opens.
const RunsPage = lazy(() => import("./pages/RunsPage"));
const RunPage = lazy(() => import("./pages/RunPage"));
const ComparePage = lazy(() => import("./pages/ComparePage"));
const ClassifyPage = lazy(() => import("./pages/ClassifyPage"));
const ModelsPage = lazy(() => import("./pages/ModelsPage"));
const ErrorsPage = lazy(() => import("./pages/ErrorsPage"));
const DatasetsPage = lazy(() => import("./pages/DatasetsPage"));

const NAV: [string, string][] = [
  ["/", "Runs"],
  ["/compare", "Compare"],
  ["/classify", "Classify"],
  ["/models", "Models"],
  ["/datasets", "Datasets"],
];

function route(path: string): { page: ReactNode; section: string } {
  const run = /^\/runs\/([^/]+)(\/errors)?$/.exec(path);
  if (run && run[2]) return { page: <ErrorsPage runId={run[1]} />, section: "/" };
  if (run) return { page: <RunPage runId={run[1]} />, section: "/" };
  const dataset = /^\/datasets\/([^/]+)$/.exec(path);
  if (dataset) return { page: <DatasetsPage datasetId={dataset[1]} />, section: "/datasets" };
  switch (path) {
    case "/":
    case "/runs":
      return { page: <RunsPage />, section: "/" };
    case "/compare":
      return { page: <ComparePage />, section: "/compare" };
    case "/classify":
      return { page: <ClassifyPage />, section: "/classify" };
    case "/models":
      return { page: <ModelsPage />, section: "/models" };
    case "/datasets":
      return { page: <DatasetsPage />, section: "/datasets" };
    default:
      return { page: <p className="state">No page at {path}.</p>, section: "" };
  }
}

function HealthBadge() {
  const [{ data, error }, refetch] = useQuery<{
    health: { status: string; version: string; mlBackend: string };
  }>({
    query: "{ health { status version mlBackend } }",
  });
  useEffect(() => {
    if (!error) return;
    const timer = setInterval(() => refetch({ requestPolicy: "network-only" }), 5000);
    return () => clearInterval(timer);
  }, [error, refetch]);
  if (error)
    return (
      <span className="badge badge-bad" role="status">
        server down — retrying
      </span>
    );
  if (!data) return null;
  return (
    <span className="badge" title={`LogoLab ${data.health.version}`}>
      {data.health.status} · {data.health.mlBackend}
    </span>
  );
}

function ApiKeyField({ session }: { session: Session }) {
  const [draft, setDraft] = useState(session.apiKey);
  return (
    <form
      className="apikey"
      onSubmit={(event) => {
        event.preventDefault();
        session.setApiKey(draft.trim());
      }}
    >
      <label htmlFor="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autoComplete="off"
        placeholder="paste a key"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
      />
      <button type="submit">{session.apiKey ? "Change" : "Use key"}</button>
      {session.apiKey && (
        <button
          type="button"
          onClick={() => {
            setDraft("");
            session.setApiKey("");
          }}
        >
          Forget
        </button>
      )}
    </form>
  );
}

export function App() {
  const [apiKey, setKey] = useState(readApiKey);
  const client = useMemo(() => createApiClient(apiKey), [apiKey]);
  const socket = useMemo(() => createSocket(apiKey), [apiKey]);
  useEffect(() => () => void socket.dispose(), [socket]);
  const session: Session = {
    apiKey,
    socket,
    setApiKey(key) {
      storeApiKey(key);
      setKey(key);
    },
  };
  const { path } = useLocation();
  const { page, section } = route(path);
  return (
    <SessionContext.Provider value={session}>
      <Provider value={client}>
        <header className="top">
          <Link href="/" className="brand">
            LogoLab
          </Link>
          <nav aria-label="Main">
            <ul>
              {NAV.map(([to, label]) => (
                <li key={to}>
                  <Link href={to} aria-current={section === to ? "page" : undefined}>
                    {label}
                  </Link>
                </li>
              ))}
              <li>
                <a href="/graphql">GraphQL explorer</a>
              </li>
            </ul>
          </nav>
          <HealthBadge />
          <ApiKeyField key={apiKey} session={session} />
        </header>
        <main id="main">
          {!apiKey && (
            <div className="state state-unauthenticated" role="note">
              <strong>No API key yet.</strong> Paste one above (the first <code>npm start</code> prints an
              admin key; <code>npx logolab keys create --role engineer</code> makes more). It stays in this
              browser only.
            </div>
          )}
          <Suspense fallback={<Loading what="Loading the page" />}>{page}</Suspense>
        </main>
      </Provider>
    </SessionContext.Provider>
  );
}
