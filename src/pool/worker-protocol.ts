/** Messages between the pool (main thread) and a worker thread. */

export interface JobMessage<P> {
  type: "job";
  id: number;
  payload: P;
}

/**
 * A worker's answer. `error` is for failures of the input (bad image), which the worker survives;
 * `fatal` says the worker itself broke on this job (its runtime aborted or ran out of heap) and is ending.
 */
export type WorkerReply<R> =
  | { type: "ready"; info: unknown }
  | { type: "init_failed"; message: string }
  | { type: "fatal"; id: number; message: string }
  | { type: "done"; id: number; ok: true; value: R; busyMs: number; retire?: boolean }
  | { type: "done"; id: number; ok: false; error: { code: string; message: string }; busyMs: number; retire?: boolean };
