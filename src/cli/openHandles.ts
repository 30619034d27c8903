import type { ChildProcess } from "node:child_process";
import net from "node:net";

/** Node's list of the handles keeping the event loop alive (undocumented, stable since Node 0.x). */
type ProcessWithHandles = NodeJS.Process & { _getActiveHandles?: () => unknown[] };

function describeAddress(address: string | net.AddressInfo | null): string {
  if (address === null) return "?";
  return typeof address === "string" ? address : `${address.address}:${address.port}`;
}

function describeHandle(handle: unknown): string | null {
  if (handle === process.stdin || handle === process.stdout || handle === process.stderr) return null;
  if (handle instanceof net.Server) return `server listening on ${describeAddress(handle.address())}`;
  if (handle instanceof net.Socket) {
    const remote = handle.remoteAddress ? `${handle.remoteAddress}:${handle.remotePort}` : "a pipe";
    return `socket ${handle.localAddress ?? "?"}:${handle.localPort ?? "?"} → ${remote}`;
  }
  const name = (handle as { constructor?: { name?: string } })?.constructor?.name ?? typeof handle;
  if (name === "ChildProcess") {
    const child = handle as ChildProcess;
    return `child process ${child.pid} (${child.spawnargs.slice(1).join(" ")})`;
  }
  return name;
}

/**
 * What keeps this process running, one phrase each: servers, sockets and child processes by
 * address or pid, then every other active resource (timers, file requests, threads) by kind and
 * count. Used to say what a shutdown that ran out of time left open.
 */
export function describeOpenHandles(): string[] {
  const handles = (process as ProcessWithHandles)._getActiveHandles?.() ?? [];
  const described = handles.map(describeHandle).filter((d): d is string => d !== null);
  const detailed = new Set(["TCPServerWrap", "TCPSocketWrap", "PipeWrap", "ProcessWrap", "TTYWrap"]);
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (!detailed.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  for (const [kind, count] of counts) described.push(count > 1 ? `${kind} × ${count}` : kind);
  return described;
}
