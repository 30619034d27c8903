import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { MlBackendPreference } from "../config";
import { registerWasmKernels } from "./kernels/registerWasmKernels";

/** The backend actually running, as the API reports it (`Health.mlBackend`, `Run.mlBackend`). */
export type MlBackend = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** Search order of `auto`: fastest first. */
export const BACKEND_ORDER: readonly MlBackend[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

const NATIVE_PACKAGES: Record<"tensorflow-gpu" | "tensorflow", string> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
};

// The native packages are optional dependencies that usually fail to install; load them by name.
const requireOptional = createRequire(__filename);

/** A failed attempt, kept so callers can log why a faster backend was skipped. */
export interface BackendAttempt {
  backend: MlBackend;
  error: string;
}

/** Result of {@link selectBackend}. */
export interface BackendSelection {
  backend: MlBackend;
  attempts: BackendAttempt[];
}

let selection: Promise<BackendSelection> | undefined;
let selectedPreference: MlBackendPreference | undefined;
let selectedBackend: MlBackend | undefined;

async function tryNative(backend: "tensorflow-gpu" | "tensorflow"): Promise<void> {
  // Throws MODULE_NOT_FOUND when the package is absent; registers the 'tensorflow' backend otherwise.
  requireOptional(NATIVE_PACKAGES[backend]);
  if (!(await tf.setBackend("tensorflow")) || tf.getBackend() !== "tensorflow") {
    throw new Error(`${NATIVE_PACKAGES[backend]} loaded but the 'tensorflow' backend did not start`);
  }
}

async function tryJsBackend(backend: "wasm" | "cpu"): Promise<void> {
  const isReady = await tf.setBackend(backend);
  // setBackend may fall back silently (e.g. wasm without its binary): trust only getBackend().
  if (!isReady || tf.getBackend() !== backend) {
    throw new Error(`tf.setBackend('${backend}') left '${tf.getBackend()}' active`);
  }
  if (backend === "wasm") registerWasmKernels();
}

async function trySelect(candidates: readonly MlBackend[]): Promise<BackendSelection> {
  const attempts: BackendAttempt[] = [];
  let isNativeBroken = false;
  for (const backend of candidates) {
    const isNative = backend === "tensorflow-gpu" || backend === "tensorflow";
    if (isNative && isNativeBroken) continue;
    try {
      if (isNative) await tryNative(backend);
      else await tryJsBackend(backend);
      return { backend, attempts };
    } catch (error) {
      attempts.push({ backend, error: messageOf(error) });
      // A half-installed native package may register kernels before throwing: try no other native one.
      if (isNative && !isModuleNotFound(error)) isNativeBroken = true;
    }
  }
  const reasons = attempts.map((a) => `${a.backend}: ${a.error}`).join("; ");
  throw new Error(`no TensorFlow.js backend could start: ${reasons}`);
}

// Duck-typed, not instanceof: errors from require() may come from another realm (e.g. under jest).
function isModuleNotFound(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && (error as { code?: unknown }).code === "MODULE_NOT_FOUND"
  );
}

function messageOf(error: unknown): string {
  const message =
    typeof error === "object" && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === "string" ? message : String(error);
}

/**
 * Starts the fastest available backend allowed by `preference` and reports which one runs.
 * `auto` tries tensorflow-gpu → tensorflow → wasm (SIMD, with LogoLab's training kernels) → cpu; a
 * named preference tries that one first and falls back down the same order. Idempotent: calls with
 * the same preference share one selection; a different preference re-selects.
 */
export function selectBackend(preference: MlBackendPreference = "auto"): Promise<BackendSelection> {
  if (selection === undefined || selectedPreference !== preference) {
    const start = preference === "auto" ? 0 : BACKEND_ORDER.indexOf(preference);
    selectedPreference = preference;
    selection = trySelect(BACKEND_ORDER.slice(start)).then((result) => {
      selectedBackend = result.backend;
      return result;
    });
  }
  return selection;
}

/** The backend active right now, in the API's vocabulary (`tensorflow` covers CPU and GPU builds). */
export function activeBackend(): MlBackend {
  const name = tf.getBackend();
  if (name === "tensorflow") return selectedBackend === "tensorflow-gpu" ? "tensorflow-gpu" : "tensorflow";
  if (name === "wasm" || name === "cpu") return name;
  throw new Error(`unexpected TensorFlow.js backend '${name}'`);
}
