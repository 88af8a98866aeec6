/**
 * Where the analysis worker's entry module is. This file sits at the root of src/ on purpose: in a
 * `bun build --compile` binary every module's import.meta.url is the binary's root, which corresponds to
 * src/ (the common folder of the entry points), so only a URL built from here resolves the same in
 * development and in the binary (where the worker is embedded as its own entry point).
 */
export const ANALYSIS_WORKER_URL = new URL("./pool/analysis-worker.ts", import.meta.url);
