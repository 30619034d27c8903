import { createContext, useContext } from "react";
import type { Client as SocketClient } from "graphql-ws";

/** The API key of this browser and the subscription socket opened with it. */
export interface Session {
  apiKey: string;
  socket: SocketClient;
  setApiKey(key: string): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside <SessionContext>");
  return session;
}
