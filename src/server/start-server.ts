/**
 * Wires the pieces together: the worker pool (one engine per worker), the session store (memory or Redis)
 * and the session logic (session-frames.ts), metrics, the Hono app and Bun's HTTP server, plus graceful
 * shutdown (stop accepting, finish in-flight frames, exit).
 */
import { availableParallelism } from "node:os";
import { ANALYSIS_WORKER_URL } from "../analysis-worker-url";
import type { ServerConfig } from "../config";
import type { FaceSearch, FrameOutcome, FrameRequest } from "../frame/frame-contract";
import type { AnalysisJob, AnalysisWorkerData } from "../pool/analysis-job";
import { DEFAULT_FRAME_CALENDAR, FrameCalendar } from "../pool/frame-calendar";
import { DEFAULT_LOAD_PRESSURE, LoadPressure } from "../pool/load-pressure";
import { WorkerPool } from "../pool/worker-pool";
import { openSessionStore } from "../session/open-session-store";
import { framePlanSettings } from "../session/frame-plan";
import { overloadRetryAfterMs, paceMultiplier } from "../session/pacing";
import { historyBounds } from "../session/session-config";
import { SessionFrames } from "../session/session-frames";
import { SessionStoreUnavailable } from "../session/session-store";
import { ApiError } from "./api-error";
import { createApp, type AnalysisBackend } from "./app";
import { createMetrics } from "./metrics";
import { sessionOwnerOf, sessionStoreKey } from "./principal";

export interface RunningServer {
  url: string;
  port: number;
  pool: WorkerPool<AnalysisJob, FrameOutcome>;
  /** Stops accepting, waits for in-flight frames (up to the grace period), ends the workers. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Share the port with sibling processes (SO_REUSEPORT): set for the children of `vigil serve --processes N`. */
  reusePort?: boolean;
  /**
   * Take the port only once every worker has loaded its models. For a child of `--processes N`: while its
   * siblings serve, the kernel would otherwise hand it connections it can only answer 503 `not_ready`.
   */
  listenWhenReady?: boolean;
}

export async function startServer(
  config: ServerConfig,
  log: (line: string) => void = (line) => console.log(line),
  { reusePort = false, listenWhenReady = false }: StartOptions = {},
): Promise<RunningServer> {
  let pool: WorkerPool<AnalysisJob, FrameOutcome> | undefined;
  const plan = framePlanSettings(config);
  // Load-aware pacing (session/pacing.ts loadPacedMs) reads the pool's pressure as each frame is answered.
  const loadPressure = plan.loadPacing
    ? new LoadPressure({ ...DEFAULT_LOAD_PRESSURE, workers: config.workers, maxWaitMs: config.maxQueueWaitMs })
    : null;
  // The frames asked for, by when they are due: answers book them, and slowed sessions are given moments with room.
  const calendar = loadPressure
    ? new FrameCalendar({ ...DEFAULT_FRAME_CALENDAR, workers: config.workers, cores: availableParallelism() })
    : null;
  // The wait behind every queued frame, new sessions' first frames included: a class's backlog is load too.
  const pressure = () => (loadPressure && pool ? loadPressure.value(pool.waitForNewFrame(true)) : 0);
  // A queue a fifth of the way to the point of refusing frames: due looks for a second person wait (trackingFor).
  const busyWaitMs = config.maxQueueWaitMs / 5;
  const metrics = createMetrics(
    () => pool?.stats() ?? { queued: 0, busy: 0, ready: 0, size: 0 },
    () => (plan.loadPacing ? paceMultiplier(pressure(), config.sessionRules, plan.loadPacing) : 1),
  );
  const workerData: AnalysisWorkerData = {
    thresholds: config.thresholds,
    recycleAboveHeapBytes: config.workerRecycleHeapMb * 1024 * 1024,
    maxFaces: config.maxFaces,
    maxImagePixels: config.maxImagePixels,
    maxImageSide: config.maxImageSide,
    engineHeapMb: config.engineHeapMb,
    inferenceMaxSide: config.inferenceMaxSide,
  };
  pool = new WorkerPool<AnalysisJob, FrameOutcome>(
    {
      workerUrl: ANALYSIS_WORKER_URL,
      workerData,
      size: config.workers,
      maxQueue: config.maxQueue,
      maxQueueWaitMs: config.maxQueueWaitMs,
      queueDeadlineMs: config.frameDeadlineMs,
      jobTimeoutMs: config.jobTimeoutMs,
      // A new session's first frame may wait longer, behind the running sessions' frames (load-aware pacing).
      ...(loadPressure
        ? {
            patience: {
              extraWaitMs: config.newSessionExtraWaitMs,
              maxQueue: config.maxQueue * NEW_SESSION_QUEUE_FACTOR,
            },
            // In overload a refused client is asked to wait as long as the calm sessions are slowed.
            minRetryAfterMs: () => overloadRetryAfterMs(pressure(), plan.loadPacing ?? undefined),
            calendar: calendar ?? undefined,
          }
        : {}),
    },
    {
      ...metrics.poolObserver,
      onJobFinished(busyMs) {
        metrics.poolObserver.onJobFinished(busyMs);
        loadPressure?.observe(busyMs);
        calendar?.observe(busyMs);
      },
      onShed(reason) {
        metrics.poolObserver.onShed(reason);
        loadPressure?.refused();
      },
      onWorkerRestart(kind, reason) {
        metrics.poolObserver.onWorkerRestart(kind);
        log(`worker replaced (${kind}): ${reason}`);
      },
    },
  );
  const activePool = pool;

  const store = openSessionStore(config, log, {
    ownerOf: sessionOwnerOf,
    onUnreadable: metrics.onSessionRecordUnreadable,
  });
  metrics.trackSessionStore(store);
  const sessions = new SessionFrames({
    store,
    rules: config.sessionRules,
    bounds: historyBounds(config.sessionRules, config.rateLimitPerSecond),
    plan,
    ...(loadPressure ? { pressure, busy: () => (pool?.waitForNewFrame(true) ?? 0) >= busyWaitMs } : {}),
    ...(calendar ? { calendar } : {}),
    onDetectionPostponed: metrics.onDetectionPostponed,
    onUnavailable: metrics.onSessionStoreUnavailable,
  });

  /**
   * One frame through a worker: its outcome, unchanged, and how long it waited for a worker. `patient`: a new
   * session's first frame, which may wait longer (load-aware pacing); `urgent`: a frame of a session in
   * transition, which goes ahead of the waiting frames (RunOptions).
   */
  async function runJob(image: Uint8Array, request: FrameRequest, { patient = false, urgent = false } = {}) {
    // The buffer is transferred to the worker: after this call the main thread no longer holds the frame.
    const buffer =
      image.byteOffset === 0 && image.byteLength === image.buffer.byteLength
        ? (image.buffer as ArrayBuffer)
        : image.slice().buffer;
    const { value, queueMs } = await activePool.run({ ...request, image: buffer }, [buffer], { patient, urgent });
    return { outcome: value, queueMs };
  }

  const backend: AnalysisBackend = {
    async analyze(image, { landmarks, session, crop }) {
      if (!session) return runJob(image, { landmarks, crop });
      // The store's key is opaque: a session is scoped to its owner (principal.ts) by its key alone.
      const frame = {
        key: sessionStoreKey(session),
        id: session.id,
        capturedAt: session.capturedAt,
        crop: crop !== undefined,
      };
      let queueMs = 0;
      const answer = await sessions.analyze(frame, async (search: FaceSearch, { fresh, inTransition }) => {
        const run = await runJob(image, { ...search, landmarks, crop }, { patient: fresh, urgent: inTransition });
        queueMs = run.queueMs;
        return run.outcome;
      });
      const { analysis, session: state, next, deferredMs } = answer;
      if (deferredMs) metrics.onDeferred(state.available && state.fresh ? "new_session" : "calm", deferredMs);
      return { outcome: analysis, queueMs, session: state, next };
    },
    session: (ref) => storeRequest(() => sessions.read(sessionStoreKey(ref), ref.id)),
    forgetSession: (ref) => storeRequest(() => sessions.forget(sessionStoreKey(ref))),
    readiness() {
      const workers = activePool.stats();
      // The store's state is reported, not required: frames are answered while Redis is down (docs/sessions.md).
      return { ready: activePool.allReady, workers, sessions: store.health() };
    },
  };

  const app = createApp({ config, backend, metrics, log });
  if (listenWhenReady) await activePool.whenAllReady();
  const server = Bun.serve({
    hostname: config.host,
    port: config.port,
    fetch: app.fetch,
    reusePort,
    // A connection that sends nothing for this long (a stalled or trickling upload) is closed.
    idleTimeout: Math.ceil(config.readTimeoutMs / 1000),
  });
  const hostname = server.hostname ?? config.host;
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${server.port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Stop accepting new connections; requests already received are still answered.
      void server.stop(false);
      const drained = activePool.close();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref?.());
      await Promise.race([drained, grace]);
      await server.stop(true);
      await store.close();
    })());

  return { url, port: server.port as number, pool: activePool, stop };
}

/**
 * How many first frames of new sessions may wait, as a multiple of VIGIL_MAX_QUEUE (a bound on the memory they
 * hold: 64 KB a webcam frame): a class starting at once is hundreds of them, each allowed seconds.
 */
const NEW_SESSION_QUEUE_FACTOR = 8;

/** A session request (GET, DELETE) while the store cannot be reached: 503, which the client may retry. */
async function storeRequest<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof SessionStoreUnavailable)
      throw new ApiError(
        503,
        "session_store_unavailable",
        `the session store cannot be reached (${error.reason}); try again shortly`,
        { "Retry-After": "1" },
      );
    throw error;
  }
}
