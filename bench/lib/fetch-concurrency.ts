/**
 * Bun's fetch keeps at most BUN_CONFIG_MAX_HTTP_REQUESTS requests in flight (256 by default), a limit it reads once
 * when the process starts; the others wait inside the client, unsent. A load generator posing as a thousand users
 * (each a browser with its own connection) needs them all in flight: with the default, a class of 1,000 whose
 * first frames the server holds for seconds kept every later frame in the generator, which then sent them all at
 * once (bench/results/load-generator-fetch-limit-2026-12-08.md). Entry points that run users call this first.
 */
import { reexecuteWith } from "../../src/cli/allocator-env";

/** The most Bun allows. */
export const GENERATOR_FETCH_CONCURRENCY = "65535";

/** Re-executes this process with Bun's fetch limit raised, unless the environment sets it already. */
export function ensureFetchConcurrency(): void {
  if (process.env.BUN_CONFIG_MAX_HTTP_REQUESTS !== undefined) return;
  reexecuteWith({ BUN_CONFIG_MAX_HTTP_REQUESTS: GENERATOR_FETCH_CONCURRENCY }, (line) =>
    console.error(`${line}: at most 256 requests in flight`),
  );
}
