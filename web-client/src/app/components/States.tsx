import type { CombinedError } from "@urql/core";
import { failureOf } from "../api";

/** Clear states for a failed request: no key, wrong role, server down (with retry), other errors. */
export function ErrorState({ error, retry }: { error: CombinedError | undefined; retry?: () => void }) {
  const failure = failureOf(error);
  if (!failure) return null;
  const title = {
    unauthenticated: "API key needed",
    forbidden: "Not allowed",
    down: "Server unreachable",
    invalid: "Invalid request",
    other: "Something went wrong",
  }[failure.kind];
  const hint = {
    unauthenticated: "Enter a valid API key above (npx logolab keys create --role viewer).",
    forbidden: "Your key's role cannot do this; ask an admin for an ENGINEER key.",
    down: "The LogoLab server did not answer.",
    invalid: "",
    other: "",
  }[failure.kind];
  return (
    <div className={`state state-${failure.kind}`} role="alert">
      <strong>{title}</strong>
      <p>{failure.message}</p>
      {hint && <p className="muted">{hint}</p>}
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <div className="state state-loading" role="status">
      {what}…
    </div>
  );
}
