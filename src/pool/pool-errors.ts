/**
 * Why the pool could not produce an answer. Every one of these means "not now", so the HTTP layer answers
 * 503 with Retry-After: the client should send its next frame, not this one again.
 */
export type PoolErrorCode =
  | "overloaded" // it would wait too long, or the queue is full: shed at once rather than queue without bound
  | "deadline_exceeded" // the frame waited longer than its deadline: an old frame is worthless
  | "worker_failed" // the worker crashed or hung while analysing this frame; it has been replaced
  | "not_ready" // no worker has loaded its models yet
  | "shutting_down"; // SIGTERM received: finishing in-flight frames, taking no new ones

export class PoolError extends Error {
  constructor(
    readonly code: PoolErrorCode,
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
    this.name = "PoolError";
  }
}
