/**
 * The worker-thread side of the pool protocol: load once, report ready, then answer jobs one at a time.
 * A job that throws is answered as a failed job (the input's fault, e.g. a corrupt image) and the worker
 * goes on, unless the error is marked `fatal` (the worker's own machinery broke, e.g. its WASM runtime ran
 * out of heap): then the worker says so and ends, and the pool fails that job with 503 and replaces it.
 */
import { parentPort } from "node:worker_threads";
import { createIdleCollector, IDLE_COLLECT_MS } from "./idle-collector";
import type { JobMessage, WorkerReply } from "./worker-protocol";

export interface JobHandler<P, R> {
  info: unknown;
  /** May be async; jobs still run one at a time because the pool sends the next only after the answer. */
  handle(payload: P): R | Promise<R>;
  /** Asked after each job: true when this worker should be replaced by a fresh one (see the pool). */
  shouldRetire?(): boolean;
}

/** Error thrown by a handler that carries a code the HTTP layer maps to a status (see api-error.ts). */
interface CodedError {
  code?: unknown;
  message?: unknown;
  fatal?: unknown;
}

export function serveJobs<P, R>(load: () => Promise<JobHandler<P, R | Promise<R>>>): void {
  const port = parentPort;
  if (!port) throw new Error("serveJobs must run inside a worker thread");
  const reply = (message: WorkerReply<Awaited<R>>) => port.postMessage(message);
  const idle = createIdleCollector(IDLE_COLLECT_MS);
  let broken = false;
  load().then(
    (handler) => {
      port.on("message", async (message: JobMessage<P>) => {
        if (message?.type !== "job" || broken) return;
        idle.touch();
        const started = performance.now();
        try {
          const value = (await handler.handle(message.payload)) as Awaited<R>;
          reply({
            type: "done",
            id: message.id,
            ok: true,
            value,
            busyMs: performance.now() - started,
            retire: handler.shouldRetire?.(),
          });
        } catch (error) {
          const coded = error as CodedError;
          if (coded?.fatal === true) {
            // Nothing more may run here: the pool terminates this thread when the message arrives.
            broken = true;
            reply({ type: "fatal", id: message.id, message: String(coded.message ?? error) });
            return;
          }
          reply({
            type: "done",
            id: message.id,
            ok: false,
            error: {
              code: typeof coded?.code === "string" ? coded.code : "analysis_failed",
              message: String(coded?.message ?? error),
            },
            busyMs: performance.now() - started,
            retire: handler.shouldRetire?.(),
          });
        }
      });
      reply({ type: "ready", info: handler.info });
    },
    (error) => reply({ type: "init_failed", message: String((error as Error)?.message ?? error) }),
  );
}
