/**
 * Bun's fetch keeps at most BUN_CONFIG_MAX_HTTP_REQUESTS requests in flight (256 by default), a limit it reads once
 * when the process starts; the others wait inside the client, unsent. A load generator posing as many users (each a
 * browser with its own connection) needs all their requests in flight, or it holds frames back and sends them
 * together (bench/results/load-generator-fetch-limit-2026-12-08.md). Entry points that run users call this first.
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
