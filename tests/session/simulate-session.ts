/**
 * A session simulated frame by frame through the real session code (SessionHistory, the detection policy,
 * pacing and the frame plan), with the engine replaced by what it would see of a scripted scene:
 *   - a detection sees every person in view;
 *   - a tracked frame (or a face crop) sees only the faces it follows: a newcomer stays unseen until the next
 *     detection; when every followed face has gone the engine runs the detector in that same frame (as
 *     FaceEngine does), except in a crop, which shows only where the face was.
 * The client either sends a frame every second (the fixed rate the session rules were written for), or
 * follows next.nextFrameAfterMs and next.frame (crop or full) as capture.js does, optionally under a constant
 * pool pressure (load-aware pacing).
 */
import { DEFAULT_SESSION_RULES, type SessionRules } from "../../src/session/session-config";
import { SessionHistory, type SessionStateName } from "../../src/session/session-history";
import { jitterDraw, trackingFor } from "../../src/session/detection-policy";
import { afterFrame, framePlanSettings, type FramePlanState, type NextFrame } from "../../src/session/frame-plan";
import type { Roi } from "../../src/engine/types";
import { overloadRetryAfterMs } from "../../src/session/pacing";

/** The scene at time t (ms from the start). */
export interface Scene {
  people: number;
  /** The main face's mean eye openness, 0..1. */
  openness: number;
  lookingAway?: boolean;
  yawn?: boolean;
  /** The landmark model's presence for the main face (1 unless the face is moving fast or half out of view). */
  presence?: number;
}

export interface SimulationOptions {
  durationMs: number;
  client: "fixed" | "paced";
  /** Time of the first frame (the client's phase against the scene). */
  startMs?: number;
  rules?: SessionRules;
  redetectEveryMs?: number;
  redetectMaxEveryMs?: number;
  /**
   * The pool's pressure (0-1, past 1 overload, up to 2) through the whole session, for load-aware pacing (paced
   * client only); unset: 0.
   */
  pressure?: number;
  /** Load-aware pacing's ceiling (VIGIL_LOAD_PACING_MAX_MS); unset: the default. */
  loadPacingMaxMs?: number;
  /** Load-aware pacing's overload ceiling (VIGIL_LOAD_PACING_OVERLOAD_MAX_MS); unset: the default. */
  loadPacingOverloadMaxMs?: number;
  /**
   * Frames the pool refuses (503) in overload: each frame, with probability `share` (drawn from `random`), is not
   * analysed, and the client keeps its last `next` and sends again after the Retry-After the pool gives a refused
   * frame (overloadRetryAfterMs in whole seconds) plus up to half of it again, as capture.js does. A session in
   * transition's frames are urgent (worker-pool.ts RunOptions.urgent) and are not refused.
   */
  refusals?: { share: number; random: () => number };
}

export interface Simulation {
  /** Frames analysed (refused ones not counted). */
  frames: number;
  /** Frames refused (SimulationOptions.refusals). */
  refused: number;
  /** The longest time between two analysed frames: the pace asked, and a refused frame's Retry-After. */
  longestGapMs: number;
  cropFrames: number;
  detections: number;
  /** When each state was entered (the capture time of the frame that entered it), in order. */
  transitions: Array<{ state: SessionStateName; at: number }>;
  firstEntered(state: SessionStateName): number | null;
}

const ROI: Roi = { centerX: 320, centerY: 240, size: 300, rotation: 0 };
const CLOSED_BELOW = 0.2;

export function simulate(scene: (t: number) => Scene, options: SimulationOptions): Simulation {
  const rules = options.rules ?? DEFAULT_SESSION_RULES;
  const settings = framePlanSettings({
    redetectEveryMs: options.redetectEveryMs ?? 3000,
    redetectMaxEveryMs: options.redetectMaxEveryMs ?? 10_000,
    trackingMaxGapMs: 3000,
    faceCropSize: 256,
    pacing: options.client === "paced",
    loadPacing: options.pressure !== undefined,
    loadPacingMaxMs: options.loadPacingMaxMs,
    loadPacingOverloadMaxMs: options.loadPacingOverloadMaxMs,
    sessionRules: rules,
  });
  // A refused frame's Retry-After, as the server's pool gives it (start-server.ts minRetryAfterMs).
  const retryAfterMs =
    1000 * Math.max(1, Math.ceil(overloadRetryAfterMs(options.pressure ?? 0, settings.loadPacing ?? undefined) / 1000));
  let lastAnalysedAt: number | null = null;
  const history = new SessionHistory(rules);
  let plan: FramePlanState | null = null;
  let tracking: { rois: Roi[]; at: number } | null = null;
  let next: NextFrame | null = null;
  let state: SessionStateName = "unknown";
  const result: Simulation = {
    frames: 0,
    refused: 0,
    longestGapMs: 0,
    cropFrames: 0,
    detections: 0,
    transitions: [],
    firstEntered: (s) => result.transitions.find((x) => x.state === s)?.at ?? null,
  };
  for (let t = options.startMs ?? 0; t < options.durationMs; ) {
    // A session in transition's frames are urgent: they go ahead of the queue, and are not refused.
    if (options.refusals && !plan?.inTransition && options.refusals.random() < options.refusals.share) {
      result.refused++;
      t += Math.round(retryAfterMs * (1 + options.refusals.random() / 2));
      continue;
    }
    if (lastAnalysedAt !== null) result.longestGapMs = Math.max(result.longestGapMs, t - lastAnalysedAt);
    lastAnalysedAt = t;
    const truth = scene(t);
    const crop = options.client === "paced" && next?.frame === "crop";
    const track = crop ? [ROI] : trackingFor(tracking, plan?.detection ?? null, t, settings.detection).track;
    let faces: number;
    let detectorRan = false;
    if (track) {
      faces = Math.min(truth.people, track.length);
      if (faces === 0 && !crop) {
        detectorRan = true;
        faces = truth.people;
      }
    } else {
      detectorRan = true;
      faces = truth.people;
    }
    if (detectorRan && !crop) result.detections++;
    result.frames++;
    if (crop) result.cropFrames++;
    const latest = {
      at: t,
      faces,
      eyesClosed: faces > 0 && truth.openness < CLOSED_BELOW,
      openness: faces > 0 ? truth.openness : null,
      ear: null,
      lookingDown: false,
      lookingAway: faces > 0 && !!truth.lookingAway,
      yawn: faces > 0 && !!truth.yawn,
      unusable: false,
    };
    history.observe(latest);
    const rois = Array.from({ length: faces }, () => ROI);
    tracking = rois.length ? { rois, at: t } : null;
    const summary = history.summary();
    const after = afterFrame(
      plan,
      {
        capturedAt: t,
        newest: true,
        crop,
        detectorRan,
        presences: Array.from({ length: faces }, () => truth.presence ?? 1),
        trackedFaces: crop ? 1 : (track?.length ?? 0),
        rois,
        frameSize: { width: 640, height: 480 },
        summary,
        latest,
        jitterDraw: jitterDraw("simulated", t),
        pressure: options.pressure,
      },
      settings,
    );
    plan = after.state;
    next = after.next;
    if (summary.state !== state) {
      state = summary.state;
      result.transitions.push({ state, at: t });
    }
    t += options.client === "paced" ? next.nextFrameAfterMs : 1000;
  }
  return result;
}
