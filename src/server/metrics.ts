/**
 * Prometheus metrics (prom-client): what an operator needs to see the pool keep up or shed.
 * One registry per server instance, so tests can run several servers in one process.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { WorkerRestartKind } from "../pool/worker-pool";
import type { StoreOperation } from "../session/session-frames";
import type { SessionStore } from "../session/session-store";

export interface PoolGauges {
  queued: number;
  busy: number;
  ready: number;
  size: number;
}

export function createMetrics(poolStats: () => PoolGauges, paceMultiplier: () => number = () => 1) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "vigil_" });
  const requestDuration = new Histogram({
    name: "vigil_http_request_duration_seconds",
    help: "Time from request start to response, by route and status.",
    labelNames: ["method", "route", "status"] as const,
    // Frames are answered in tens of milliseconds; the tail up to the 1 s frame deadline matters most.
    buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "vigil_http_requests_in_flight",
    help: "Requests being served now.",
    registers: [registry],
  });
  new Gauge({
    name: "vigil_queue_depth",
    help: "Frames waiting for a worker.",
    registers: [registry],
    collect() {
      this.set(poolStats().queued);
    },
  });
  new Gauge({
    name: "vigil_workers_busy",
    help: "Workers analysing a frame now.",
    registers: [registry],
    collect() {
      this.set(poolStats().busy);
    },
  });
  new Gauge({
    name: "vigil_workers_ready",
    help: "Workers that have loaded their models.",
    registers: [registry],
    collect() {
      this.set(poolStats().ready);
    },
  });
  new Gauge({
    name: "vigil_workers",
    help: "Workers this instance runs (VIGIL_WORKERS): ready while vigil_workers_ready equals it.",
    registers: [registry],
    collect() {
      this.set(poolStats().size);
    },
  });
  new Gauge({
    name: "vigil_pace_multiplier",
    help:
      "How much load-aware pacing slows steady sessions now: their pace over the unloaded one (1: not at all; " +
      "VIGIL_LOAD_PACING_MAX_MS over 2 s at full load, VIGIL_LOAD_PACING_OVERLOAD_MAX_MS over 2 s in overload).",
    registers: [registry],
    collect() {
      this.set(paceMultiplier());
    },
  });
  const framesDeferred = new Counter({
    name: "vigil_frames_deferred_total",
    help:
      "Answers that asked for the next frame later than the session's own pace because of load: calm sessions " +
      "and empty desks slowed (calm), new sessions spread (new_session).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const deferredSeconds = new Counter({
    name: "vigil_frames_deferred_seconds_total",
    help:
      "How much later, in all, those answers asked for the next frame (over vigil_frames_deferred_total: the " +
      "mean).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const detectionsPostponed = new Counter({
    name: "vigil_detections_postponed_total",
    help:
      "Periodic looks for a second person that waited for a quieter frame because the workers had a queue (the " +
      "frame followed the face instead, or the answer asked for a face crop instead of a full frame; at most one " +
      "detection interval late).",
    registers: [registry],
  });
  const workerBusy = new Counter({
    name: "vigil_worker_busy_seconds_total",
    help: "Time workers spent analysing frames.",
    registers: [registry],
  });
  const framesShed = new Counter({
    name: "vigil_frames_shed_total",
    help: "Frames refused without analysis: queue full (overloaded) or waited past the deadline.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const workerRestarts = new Counter({
    name: "vigil_worker_restarts_total",
    help: "Workers replaced: after a crash, a hang or a failed start, or recycled after an unusually large frame.",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  let sessionStore: SessionStore | undefined;
  new Gauge({
    name: "vigil_sessions",
    help: "Sessions held in memory by this instance (0 with the Redis store: Redis holds them).",
    registers: [registry],
    collect() {
      this.set(sessionStore?.size() ?? 0);
    },
  });
  new Gauge({
    name: "vigil_session_store_available",
    help: "1 while the session store answered its last command (always 1 in memory), 0 while Redis cannot be reached.",
    registers: [registry],
    collect() {
      this.set(sessionStore?.health().available === false ? 0 : 1);
    },
  });
  const sessionStoreUnavailable = new Counter({
    name: "vigil_session_store_unavailable_total",
    help:
      "Session store operations that failed or timed out (the frame was answered without its session, or a " +
      "session request got 503).",
    labelNames: ["operation"] as const,
    registers: [registry],
  });
  const unreadableRecords = new Counter({
    name: "vigil_session_records_unreadable_total",
    help: "Stored sessions this version could not read (another version's or damaged), treated as absent and replaced.",
    registers: [registry],
  });
  return {
    registry,
    onSessionRecordUnreadable: () => unreadableRecords.inc(),
    trackSessionStore(store: SessionStore) {
      sessionStore = store;
    },
    onSessionStoreUnavailable: (operation: StoreOperation) => sessionStoreUnavailable.inc({ operation }),
    /** An answer asked for the next frame `ms` later than the session's own pace (calm: slowed; new: spread). */
    onDeferred(reason: "calm" | "new_session", ms: number) {
      framesDeferred.inc({ reason });
      deferredSeconds.inc({ reason }, ms / 1000);
    },
    onDetectionPostponed: () => detectionsPostponed.inc(),
    requestDuration,
    inFlight,
    poolObserver: {
      onShed: (reason: "overloaded" | "deadline_exceeded") => framesShed.inc({ reason }),
      onWorkerRestart: (kind: WorkerRestartKind) => workerRestarts.inc({ kind }),
      onJobFinished: (busyMs: number) => workerBusy.inc(busyMs / 1000),
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
