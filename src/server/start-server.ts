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
import { trackingFor } from "../session/detection-policy";
import { afterFrame, framePlanOf, framePlanSettings, setFramePlan } from "../session/frame-plan";
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
  const framePlan = framePlanSettings(config);

  const backend: AnalysisBackend = {
    async analyze(image, options) {
      const session = options.session && sessions.touch(options.session.id);
      const capturedAt = options.session?.capturedAt ?? 0;
      // Follow the face from the previous frame (no detector) unless a detection is due (detection-policy.ts);
      // a face crop is its own ROI.
      const plan = session ? framePlanOf(session.session) : null;
      const track = session && !options.crop ? trackingFor(session.session.tracking, plan?.detection ?? null, capturedAt, config).track : undefined;
      // The buffer is transferred to the worker: after this call the main thread no longer holds the frame.
      const buffer = image.byteOffset === 0 && image.byteLength === image.buffer.byteLength ? (image.buffer as ArrayBuffer) : image.slice().buffer;
      const outcome = await activePool.run({ image: buffer, landmarks: options.landmarks, track, crop: options.crop }, [buffer]);
      const { tracking: rois, ...result } = outcome.value;
      const body = { ...result, timings: { ...result.timings, queueMs: outcome.queueMs, totalMs: 0 } };
      if (!session) return body;
      const { session: state, created } = session;
      const history = state.history;
      const latest = observationOf(result, capturedAt);
      const filed = history.observe(latest);
      // Only the newest frame may move the tracking position: a late frame's faces are from the past.
      const newest = filed && capturedAt >= history.now;
      if (newest) {
        state.tracking = rois.length ? { rois, at: capturedAt } : null;
        if (!result.tracked && !options.crop) state.detectedAt = capturedAt;
      }
      const summary = history.summary();
      const after = afterFrame(
        plan,
        { capturedAt, newest, crop: !!options.crop, detectorRan: !result.tracked, presences: result.faces.map((f) => f.presenceScore), trackedFaces: options.crop ? 1 : (track?.length ?? 0), rois, summary, latest },
        framePlan,
      );
      setFramePlan(state, after.state);
      return { ...body, session: { id: state.id, ...summary, fresh: created }, next: after.next };
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
