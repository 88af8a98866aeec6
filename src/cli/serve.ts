/**
 * `vigil serve [options]`: the HTTP service, or with --processes N a supervisor of N server processes sharing
 * the port. Options come from config.ts (each is also an environment variable).
 */
import { describeOptions, loadServerConfig, type ServerConfig } from "../config";
import type { AnalysisWorkerInfo } from "../pool/analysis-job";
import { exitWithParent, isSupervisedChild, superviseProcesses } from "../server/process-supervisor";
import { createLog } from "../server/request-log";
import { startServer } from "../server/start-server";
import { ensureAllocatorEnv } from "./allocator-env";

export async function serveCommand(args: string[]): Promise<void> {
  if (args.includes("--help")) {
    console.log(`vigil serve [options]; each option is also an environment variable:\n${describeOptions()}`);
    return;
  }
  const config = loadServerConfig(args, process.env);
  // Before any worker starts (and before the port is taken): may replace this process with itself.
  ensureAllocatorEnv((line) => console.error(line));
  const log = createLog(config.logFormat, config.instanceId);
  if (config.processes > 1) return supervise(config, args, log);
  const child = isSupervisedChild();
  // A child of --processes takes the shared port only when it can answer (its siblings serve meanwhile).
  const server = await startServer(config, log, { reusePort: child, listenWhenReady: child });
  log(
    `vigil listening on ${server.url} with ${config.workers} worker(s), sessions ` +
      `${config.redisUrl ? "in Redis" : "in memory"}${child ? "" : "; loading models"}`,
  );
  server.pool.whenAllReady().then(() => {
    log("all workers ready");
    // A MediaPipe bundle that no longer looks as the embedding tap expects still works, more slowly: say so.
    if ((server.pool.info as AnalysisWorkerInfo | undefined)?.landmarkTensorsTapped === false) {
      log(
        "warning: the landmark model's tensors are read through the MediaPipe bundle's own objects (the embedding " +
          "tap's start-up check failed; about 0.7 ms more CPU per face, see src/engine/embedding-tap.ts)",
      );
    }
  });
  let stopping = false;
  const stop = async (reason: string) => {
    // A child of --processes may get the signal twice (from the terminal and from its parent): once is enough.
    if (stopping) return;
    stopping = true;
    log(`${reason}: no new connections, finishing in-flight frames`);
    await server.stop();
    log("stopped");
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void stop(signal));
  if (child) exitWithParent(() => stop("parent process gone"));
}

/** vigil serve --processes N: this process only starts and watches N server processes. */
async function supervise(config: ServerConfig, args: string[], log: (line: string) => void): Promise<void> {
  const supervisor = await superviseProcesses(config, args, log);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, async () => {
      log(`${signal}: passing it on to the ${config.processes} processes`);
      await supervisor.stop(signal);
      log("stopped");
      process.exit(0);
    });
  }
}
