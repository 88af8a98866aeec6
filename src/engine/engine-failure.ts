/**
 * The engine's runtime is broken: it aborted, ran out of heap, or threw from inside a MediaPipe graph.
 *
 * Frames are validated before they reach the runtime (assertFrame), so a throw from inside it is never the
 * input's fault: MediaPipe's graphs keep their state in WASM memory, and after a failed allocation or an
 * abort that state is undefined (the next frame fails with "Packet timestamp mismatch"). The only safe
 * answer is a fresh runtime, so this error is `fatal`: the worker holding it ends and the pool replaces it.
 */
export class EngineFailure extends Error {
  readonly fatal = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EngineFailure";
  }
}
