/**
 * `vigil serve --processes N`: N server processes on one port, each with its own workers, sharing their
 * sessions through Redis. Bun.serve's `reusePort` (SO_REUSEPORT) lets the kernel spread connections over the
 * processes. This parent process loads no models and serves nothing: it starts the children (the same
 * executable: `bun src/main.ts` in development, the single binary when compiled), starts again any that dies,
 * and on SIGTERM or SIGINT passes the signal on and waits for every child to finish its in-flight frames.
 * A child takes the shared port only once its models are loaded (startServer's listenWhenReady), so a restarted
 * child never gets connections while its siblings could answer them.
 */
import { createServer } from "node:net";
import { isCompiledBinary } from "./compiled-binary";
import type { ServerConfig } from "../config";

/** Set in a child's environment: it shares the port (reusePort) and exits if its parent is gone. */
export const SUPERVISED_CHILD_ENV = "VIGIL_SUPERVISED_CHILD";

/** A child that dies sooner than this after its start is restarted after a growing delay (1 s, 2 s ... 30 s). */
const STABLE_AFTER_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

export interface Supervisor {
  /** Passes the signal on to every child and resolves when all have exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function superviseProcesses(
  config: ServerConfig,
  args: string[],
  log: (line: string) => void,
): Promise<Supervisor> {
  // Every child must listen on the same port: with port 0, choose one now.
  const port = config.port || (await freePort(config.host));
  // Later flags win (node:util parseArgs), so these override whatever the parent was given.
  const childArgs = (index: number) => [
    "serve",
    ...args,
    "--processes",
    "1",
    "--port",
    String(port),
    "--instance-id",
    `${config.instanceId}-${index}`,
  ];
  // Compiled, the executable is Vigil itself; otherwise it is bun, running main.ts.
  const command = isCompiledBinary() ? [process.execPath] : [process.execPath, Bun.main];

  let stopping = false;
  const children = new Map<number, ReturnType<typeof Bun.spawn>>();
  const start = (index: number, restartDelayMs: number) => {
    const startedAt = Date.now();
    const child = Bun.spawn([...command, ...childArgs(index)], {
      env: { ...process.env, [SUPERVISED_CHILD_ENV]: String(index) },
      stdin: "ignore",
      stdout: "inherit",
      stderr: "inherit",
    });
    children.set(index, child);
    log(`process ${index} started (pid ${child.pid})`);
    void child.exited.then((code) => {
      if (stopping) return;
      const stable = Date.now() - startedAt > STABLE_AFTER_MS;
      const delay = stable ? 1000 : Math.min(restartDelayMs * 2, MAX_RESTART_DELAY_MS);
      log(
        `process ${index} (pid ${child.pid}) exited (${child.signalCode ?? `code ${code}`}); starting it again in ` +
          `${delay / 1000} s`,
      );
      setTimeout(() => stopping || start(index, delay), delay);
    });
  };
  for (let index = 1; index <= config.processes; index++) start(index, 500);
  log(
    `vigil supervising ${config.processes} processes on port ${port} (each with ${config.workers} worker(s)), ` +
      `sessions in Redis`,
  );

  let stopped: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals = "SIGTERM") =>
    (stopped ??= (async () => {
      stopping = true;
      for (const child of children.values()) child.kill(signal);
      // Each child finishes its in-flight frames within its grace period; one that hangs past it is killed.
      const force = setTimeout(() => {
        for (const child of children.values()) child.kill("SIGKILL");
      }, config.shutdownGraceMs + 5000);
      await Promise.all([...children.values()].map((child) => child.exited));
      clearTimeout(force);
    })());
  return { stop };
}

/** Whether this process is a child of `vigil serve --processes N`. */
export function isSupervisedChild(env: Record<string, string | undefined> = process.env): boolean {
  return env[SUPERVISED_CHILD_ENV] !== undefined;
}

/** Ends this child process (through `stop`) if its parent dies without stopping it (kill -9). */
export function exitWithParent(stop: () => void, everyMs = 1000): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, everyMs).unref();
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once("error", reject)
      .listen(0, host, () => {
        const port = (probe.address() as { port: number }).port;
        probe.close(() => resolve(port));
      });
  });
}
