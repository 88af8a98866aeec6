/**
 * Wires the pieces together: the worker pool (one engine per worker), metrics, the Hono app and Bun's HTTP
 * server, plus graceful shutdown (stop accepting, finish in-flight frames, exit).
 */
import { ANALYSIS_WORKER_URL } from "../analysis-worker-url";
import type { ServerConfig } from "../config";
import type { AnalysisJob, AnalysisResult, AnalysisWorkerData } from "../pool/analysis-job";
import { WorkerPool } from "../pool/worker-pool";
import { observationOf } from "../session/observation";
import { SessionStore } from "../session/session-store";
import { createApp, type AnalysisBackend } from "./app";
import { createMetrics } from "./metrics";

export interface RunningServer {
  url: string;
  port: number;
  pool: WorkerPool<AnalysisJob, AnalysisResult>;
  /** Stops accepting, waits for in-flight frames (up to the grace period), ends the workers. */
  stop(): Promise<void>;
}

export async function startServer(config: ServerConfig, log: (line: string) => void = (line) => console.log(line)): Promise<RunningServer> {
  let pool: WorkerPool<AnalysisJob, AnalysisResult> | undefined;
  const metrics = createMetrics(() => pool?.stats() ?? { queued: 0, busy: 0, ready: 0, size: 0 });
  const workerData: AnalysisWorkerData = {
    thresholds: config.thresholds,
    recycleAboveHeapBytes: config.workerRecycleHeapMb * 1024 * 1024,
    maxFaces: config.maxFaces,
    maxImagePixels: config.maxImagePixels,
    maxImageSide: config.maxImageSide,
    engineHeapMb: config.engineHeapMb,
    inferenceMaxSide: config.inferenceMaxSide,
  };
  pool = new WorkerPool<AnalysisJob, AnalysisResult>(
    {
      workerUrl: ANALYSIS_WORKER_URL,
      workerData,
      size: config.workers,
      maxQueue: config.maxQueue,
      queueDeadlineMs: config.frameDeadlineMs,
      jobTimeoutMs: config.jobTimeoutMs,
    },
    {
      ...metrics.poolObserver,
      onWorkerRestart(kind, reason) {
        metrics.poolObserver.onWorkerRestart(kind);
        log(`worker replaced (${kind}): ${reason}`);
      },
    },
  );
  const activePool = pool;

  const sessions = new SessionStore({ maxSessions: config.maxSessions, idleTtlMs: config.sessionIdleTtlMs, rules: config.sessionRules });
  sessions.startSweeping();
  metrics.trackSessions(() => sessions.size);

  const backend: AnalysisBackend = {
    async analyze(image, options) {
      const session = options.session && sessions.touch(options.session.id);
      const capturedAt = options.session?.capturedAt ?? 0;
      const tracking = session?.session.tracking;
      // Follow the face from the previous frame (no detector), unless that frame is too old, or it is time
      // for the periodic detection that notices someone else coming into view.
      const track =
        tracking && capturedAt - tracking.at <= config.trackingMaxGapMs && capturedAt - session.session.detectedAt < config.redetectEveryMs
          ? tracking.rois
          : undefined;
      // The buffer is transferred to the worker: after this call the main thread no longer holds the frame.
      const buffer = image.byteOffset === 0 && image.byteLength === image.buffer.byteLength ? (image.buffer as ArrayBuffer) : image.slice().buffer;
      // Full range where a second, smaller face matters: a session's first frame and a tracked session's
      // periodic look (track withheld). An empty desk's frames, a just-lost face and frames without a session
      // get the workers' short range, a third of the cost (bench/results/short-range-detector.md).
      const detector = session && (session.created || (tracking && !track)) ? "full" : undefined;
      const outcome = await activePool.run({ image: buffer, landmarks: options.landmarks, track, detector }, [buffer]);
      const { tracking: rois, ...result } = outcome.value;
      const body = { ...result, timings: { ...result.timings, queueMs: outcome.queueMs, totalMs: 0 } };
      if (!session) return body;
      const { session: state, created } = session;
      const history = state.history;
      const filed = history.observe(observationOf(result, capturedAt));
      // Only the newest frame may move the tracking position: a late frame's faces are from the past.
      if (filed && capturedAt >= history.now) {
        state.tracking = rois.length ? { rois, at: capturedAt } : null;
        if (!result.tracked) state.detectedAt = capturedAt;
      }
      return { ...body, session: { id: state.id, ...history.summary(), fresh: created } };
    },
    session(id) {
      const session = sessions.get(id);
      return session && { id, ...session.history.summary(), fresh: false };
    },
    forgetSession: (id) => sessions.delete(id),
    readiness() {
      const workers = activePool.stats();
      return { ready: activePool.allReady, workers };
    },
  };

  const app = createApp({ config, backend, metrics, log });
  const server = Bun.serve({
    hostname: config.host,
    port: config.port,
    fetch: app.fetch,
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
      sessions.stop();
    })());

  return { url, port: server.port as number, pool: activePool, stop };
}
