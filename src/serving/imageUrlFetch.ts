import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net, { type LookupFunction } from "node:net";
import { ValidationError } from "../errors";
import { isPublicAddress } from "./publicAddress";

/** Limits of an image fetch. */
export interface ImageFetchLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Redirects followed (each target is checked again). */
  maxRedirects?: number;
  /**
   * Which connected addresses are allowed (default: {@link isPublicAddress}). Tests name a loopback
   * address "public" to stand in for the internet, which this machine cannot reach.
   */
  isAllowedAddress?: (address: string) => boolean;
}

const fail = (message: string) => new ValidationError(message, { field: "imageUrl" });

/**
 * A DNS lookup that only ever hands the socket a public address: the check happens on the address
 * actually connected to, so DNS rebinding between a check and the connection cannot reach inside.
 */
const lookupAllowing =
  (isAllowed: (address: string) => boolean): LookupFunction =>
  (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const allowed = addresses.filter((a) => isAllowed(a.address));
      if (allowed.length === 0 || allowed.length !== addresses.length) {
        return callback(
          Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: "ENOTPUBLIC" }),
          "",
          0,
        );
      }
      if (options.all) return callback(null, allowed as never);
      return callback(null, allowed[0].address, allowed[0].family);
    });
  };

function requestOnce(url: URL, limits: ImageFetchLimits): Promise<{ redirect?: string; body?: Buffer }> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      {
        lookup: lookupAllowing(limits.isAllowedAddress ?? isPublicAddress),
        timeout: limits.timeoutMs,
        headers: { accept: "image/*" },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          resolve({ redirect: new URL(response.headers.location, url).toString() });
          return;
        }
        if (status !== 200) {
          response.resume();
          reject(fail(`imageUrl answered HTTP ${status}`));
          return;
        }
        const declared = Number(response.headers["content-length"] ?? 0);
        if (declared > limits.maxBytes) {
          response.destroy();
          reject(fail(`image at imageUrl is larger than ${limits.maxBytes} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > limits.maxBytes) {
            response.destroy();
            reject(fail(`image at imageUrl is larger than ${limits.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () => resolve({ body: Buffer.concat(chunks) }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () =>
      request.destroy(fail(`imageUrl did not answer within ${limits.timeoutMs} ms`)),
    );
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error instanceof ValidationError) reject(error);
      else if (error.code === "ENOTPUBLIC") reject(fail("imageUrl must point at a public address"));
      else reject(fail(`imageUrl could not be fetched (${error.code ?? error.message})`));
    });
  });
}

/**
 * Fetches an image over http(s) from public addresses only (checked on the connected address after
 * DNS resolution, and again for every redirect), within size and time limits.
 */
export async function fetchImage(rawUrl: string, limits: ImageFetchLimits): Promise<Buffer> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw fail("imageUrl is not a URL");
  }
  const deadline = Date.now() + limits.timeoutMs;
  for (let hop = 0; hop <= (limits.maxRedirects ?? 3); hop++) {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw fail("imageUrl must use http or https");
    if (url.username || url.password) throw fail("imageUrl must not carry credentials");
    // Sockets skip the lookup for IP literals, so those are checked here.
    const literal = url.hostname.replace(/^\[|\]$/g, "");
    const isAllowed = limits.isAllowedAddress ?? isPublicAddress;
    if (net.isIP(literal) && !isAllowed(literal)) throw fail("imageUrl must point at a public address");
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw fail(`imageUrl did not answer within ${limits.timeoutMs} ms`);
    const { redirect, body } = await requestOnce(url, { ...limits, timeoutMs: remainingMs });
    if (body) return body;
    url = new URL(redirect!);
  }
  throw fail("imageUrl redirected too many times");
}
