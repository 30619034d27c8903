import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import { StrictMode, useMemo, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { readApiKey, storeApiKey } from "../shared/apiKey";
import { createLogoLabFetcher } from "./fetcher";
import "./explorer.css";

const EXAMPLE = `# LogoLab's GraphQL API. Put your API key above (Bearer), press ▶ to run.
# Subscriptions (runProgress) go over the graphql-ws socket on /graphql.
{
  health {
    status
    version
    database
    mlBackend
  }
}
`;

function Explorer() {
  const [apiKey, setApiKey] = useState(readApiKey);
  const keyRef = useRef(apiKey);
  keyRef.current = apiKey;
  const fetcher = useMemo(() => createLogoLabFetcher(() => keyRef.current), []);
  return (
    <div className="explorer">
      <header className="explorer-bar">
        <strong>LogoLab GraphQL explorer</strong>
        <label>
          API key
          <input
            type="password"
            autoComplete="off"
            placeholder="ll_… (sent as Authorization: Bearer)"
            value={apiKey}
            onChange={(event) => {
              setApiKey(event.target.value);
              storeApiKey(event.target.value);
            }}
          />
        </label>
        <a href="/">web client</a>
      </header>
      <main className="explorer-main">
        <GraphiQL fetcher={fetcher} defaultQuery={EXAMPLE} isHeadersEditorEnabled />
      </main>
    </div>
  );
}

createRoot(document.getElementById("explorer")!).render(
  <StrictMode>
    <Explorer />
  </StrictMode>,
);
