/**
 * Bun's allocator (mimalloc) settings for `vigil serve`, which mimalloc reads from the environment once, when
 * the process starts: too early for any code here to set them. So when the server's environment does not
 * name them, the process re-executes itself (same pid, same arguments) with them set; the npm start script,
 * the Dockerfile and the k8s manifest set them too, so there the re-exec never happens.
 *
 * MIMALLOC_PURGE_DELAY=1000: freed memory goes back to the kernel after 1 s instead of 100 ms. A frame frees
 * its buffers and the next frame, milliseconds later, takes them again; with the 100 ms default they would be
 * returned in between and faulted in afresh. With 1 s a 2-worker server at 20 users takes 139-201 minor faults
 * and 0.65-0.85 ms of kernel time per frame instead of 415-428 and 0.9-1.9 ms, with the same idle RSS (it still
 * shrinks a second after a burst); -1 (never purge) saves a little more but keeps the peak RSS for ever
 * (measured: bench/results/allocator-settings.md).
 * Any value already in the environment, including the default "100", is left alone.
 */
import { isCompiledBinary } from "../server/compiled-binary";

export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MIMALLOC_PURGE_DELAY: "1000" };

/** The environment to re-execute with, or null when nothing is missing. */
export function missingAllocatorEnv(env: NodeJS.ProcessEnv): Record<string, string> | null {
  const missing = Object.entries(ALLOCATOR_ENV).filter(([name]) => env[name] === undefined);
  return missing.length ? Object.fromEntries(missing) : null;
}

/**
 * Re-executes this process with the allocator settings when they are missing; returns only when nothing was
 * missing (or re-executing is impossible here: then the server runs with the defaults, which only costs speed).
 */
export function ensureAllocatorEnv(log: (line: string) => void): void {
  const missing = missingAllocatorEnv(process.env);
  if (missing) reexecuteWith(missing, (reason) => log(`${reason}; running with the allocator's defaults`));
}

/**
 * Re-executes this process (same pid, same arguments) with `env` added to its environment, for settings a runtime
 * reads once when the process starts. Returns only when that is impossible here, after saying why to `log`.
 */
export function reexecuteWith(env: Record<string, string>, log: (line: string) => void): void {
  const settings = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  if (typeof process.execve !== "function") {
    log(`could not re-execute with ${settings} (no process.execve)`);
    return;
  }
  // A compiled binary's argv[1] is its own embedded entry point, which it is given again by running it.
  const argv = [process.execPath, ...process.argv.slice(isCompiledBinary() ? 2 : 1)];
  try {
    process.execve(process.execPath, argv, { ...process.env, ...env });
  } catch (error) {
    log(`could not re-execute with ${settings} (${(error as Error).message})`);
  }
}
