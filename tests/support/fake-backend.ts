/**
 * The HTTP app (createApp) on a free loopback port with a fake analysis backend: for tests of what the HTTP layer
 * alone decides (authentication, CORS, limits, validation, which principal a request is made by), with no worker,
 * model or image decoding behind it. The fake records every frame the app hands it, answers a fixed analysis, keeps
 * sessions only as "seen under this owner", and can hold frames in flight until a test lets them go. Tests of what
 * the engine, the pool or the session logic do use the real server (server.ts).
 */
import { loadServerConfig, type ServerConfig } from "../../src/config";
import type { FrameOutcome } from "../../src/frame/frame-contract";
import type { AnalyzedFrame } from "../../src/server/analysis-body";
import { type AnalysisBackend, type AppOptions, createApp, type SessionCapture } from "../../src/server/app";
import { createMetrics } from "../../src/server/metrics";
import type { SessionRef } from "../../src/server/principal";
import type { SessionAnswer } from "../../src/session/session-frames";

type AnalyzeOptions = Parameters<AnalysisBackend["analyze"]>[1];

/** A frame as the fake received it: what the app handed to the backend. */
export interface ReceivedFrame {
  bytes: number;
  landmarks: boolean;
  session?: SessionCapture;
  crop?: AnalyzeOptions["crop"];
}

/** The fixed outcome of the fake: nobody in a 640x480 JPEG. */
export function fakeOutcome(): FrameOutcome {
  return {
    person: { present: false, count: 0 },
    tracked: false,
    faces: [],
    image: {
      format: "jpeg",
      width: 640,
      height: 480,
      analyzedWidth: 640,
      analyzedHeight: 480,
      quality: { brightness: 120, sharpness: 500, tooDark: false, tooBright: false, tooBlurry: false },
    },
    models: {},
    timings: { decodeMs: 0, inferenceMs: 0, analysisMs: 0, stages: {} },
    tracking: [],
  };
}

function fakeSession(frame: SessionCapture, frames: number): SessionAnswer {
  return {
    id: frame.id,
    available: true,
    state: "unknown",
    since: new Date(frame.capturedAt).toISOString(),
    measures: {
      perclos: 0,
      closedFrames: 0,
      closures: 0,
      longestClosureMs: 0,
      blinks: null,
      blinkRatePerMinute: null,
      eyesClosedMs: 0,
      noPersonMs: 0,
      lookingAwayMs: 0,
      readingMs: 0,
      yawns: 0,
    },
    eyes: {
      basis: "absolute",
      baselineEar: null,
      closedBelowEar: null,
      baselineFrames: 0,
      closed: false,
      lookingDown: false,
    },
    frames,
    historyStartedAt: new Date(frame.capturedAt).toISOString(),
    fresh: frames === 1,
  };
}

export class FakeBackend implements AnalysisBackend {
  /** Every frame that reached the backend, in order. */
  readonly frames: ReceivedFrame[] = [];
  ready = true;
  private readonly sessions = new Map<string, { frame: SessionCapture; frames: number }>();
  private held: (() => void)[] | undefined;

  /** From now on, frames wait in the backend (in flight) until release() is called. */
  hold(): void {
    this.held ??= [];
  }

  /** Lets every held frame go, and stops holding. */
  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const go of waiting) go();
  }

  /** Frames waiting in the backend now. */
  get waiting(): number {
    return this.held?.length ?? 0;
  }

  async analyze(image: Uint8Array, options: AnalyzeOptions): Promise<AnalyzedFrame> {
    this.frames.push({
      bytes: image.byteLength,
      landmarks: options.landmarks,
      session: options.session,
      crop: options.crop,
    });
    if (this.held) await new Promise<void>((resolve) => this.held?.push(resolve));
    const answer = { outcome: fakeOutcome(), queueMs: 0 };
    const { session } = options;
    if (!session) return answer;
    const key = `${session.owner}/${session.id}`;
    const entry = this.sessions.get(key) ?? { frame: session, frames: 0 };
    entry.frames++;
    this.sessions.set(key, entry);
    return { ...answer, session: fakeSession(entry.frame, entry.frames) };
  }

  async session(ref: SessionRef): Promise<SessionAnswer | undefined> {
    const entry = this.sessions.get(`${ref.owner}/${ref.id}`);
    return entry && fakeSession(entry.frame, entry.frames);
  }

  async forgetSession(ref: SessionRef): Promise<boolean> {
    return this.sessions.delete(`${ref.owner}/${ref.id}`);
  }

  readiness(): ReturnType<AnalysisBackend["readiness"]> {
    const workers = {
      size: 1,
      ready: this.ready ? 1 : 0,
      busy: this.waiting ? 1 : 0,
      queued: 0,
      restarts: 0,
      recycled: 0,
    };
    return { ready: this.ready, workers, sessions: { store: "memory", available: true } };
  }
}

export interface FakeServer {
  url: string;
  config: ServerConfig;
  backend: FakeBackend;
  /** The app's metrics (what /metrics serves). */
  metrics: ReturnType<typeof createMetrics>;
  stop(): Promise<void>;
}

/**
 * createApp with a FakeBackend, served by Bun.serve as start-server.ts serves it (the same read timeout), with the
 * test server's defaults (server.ts: no auth, limits out of the way) under `overrides`; `log` gets the app's
 * lines (none by default).
 */
export function startFakeServer(
  overrides: Record<string, string> = {},
  backend = new FakeBackend(),
  log: AppOptions["log"] = () => {},
): FakeServer {
  const config = loadServerConfig([], {
    VIGIL_PORT: "0",
    VIGIL_LOG_REQUESTS: "false",
    VIGIL_AUTH: "none",
    VIGIL_RATE_LIMIT_PER_SECOND: "1000",
    VIGIL_RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "1000",
    VIGIL_MAX_IN_FLIGHT_PER_CLIENT: "1000",
    VIGIL_MAX_IN_FLIGHT_PER_PRINCIPAL: "1000",
    ...overrides,
  });
  const metrics = createMetrics(() => {
    const { size, ready, busy, queued } = backend.readiness().workers;
    return { size, ready, busy, queued };
  });
  const app = createApp({ config, backend, metrics, log });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: app.fetch,
    idleTimeout: Math.ceil(config.readTimeoutMs / 1000),
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    config,
    backend,
    metrics,
    stop: async () => {
      backend.release();
      await server.stop(true);
    },
  };
}
