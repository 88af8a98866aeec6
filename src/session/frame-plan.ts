/**
 * What a session's answer asks of the client's next frame (`next` in the API): when to send it (pacing.ts,
 * slowed by the pool's load for calm and new sessions: pacing.ts loadPacedMs), and whether a face crop will do
 * or a full frame is needed (detection-policy.ts decides when the detector must see the whole frame again).
 *
 * A crop is asked for only when exactly one face is tracked and the next frame will not be a detection frame:
 * a second person, or a face that left the crop, can only be found in a full frame. While the workers have a
 * queue, a detection falling due is postponed (as detection-policy.ts trackingFor would postpone it) and a crop
 * asked for instead, up to one more detection interval. The crop is the face ROI the landmark model would have
 * cut from the full frame (1.5 times the face, rotated so the eyes are level), so the server's work on it is the
 * same minus decoding and cropping the whole frame.
 */
import type { Roi } from "../engine/types";
import { nextSchedule, type DetectionPolicyOptions, type DetectionSchedule } from "./detection-policy";
import {
  calmSince,
  DEFAULT_LOAD_PACING,
  DEFAULT_PACING,
  loadPacedMs,
  paceOf,
  slowestLoadPacedMs,
  type LoadPacingOptions,
  type PacingInput,
  type PacingOptions,
} from "./pacing";
import type { SessionRules } from "./session-config";
import type { Observation } from "./observation";

/** A square region of the client's frame, in that frame's pixels, and the size to send it at. */
export interface CropRequest {
  centerX: number;
  centerY: number;
  /** Side of the square, in frame pixels. */
  size: number;
  /** Radians; positive turns the crop's x axis clockwise on screen (towards +y). */
  rotation: number;
  /** Side of the image to send, in pixels (the crop is scaled to it). */
  outputSize: number;
}

export interface NextFrame {
  /** Capture the next frame this long after this one's capture time. */
  nextFrameAfterMs: number;
  frame: "full" | "crop";
  crop?: CropRequest;
}

export interface FramePlanInput {
  capturedAt: number;
  nextFrameAfterMs: number;
  /** The face ROIs to follow in the next frame, in frame pixels ([] when no face was found). */
  rois: readonly Roi[];
  schedule: DetectionSchedule | null;
  /** Ask for crops at all (VIGIL_CROP_FRAMES), and at which output size. */
  cropOutputSize: number | null;
  /** The client's full frame, in pixels: an asked crop always fits it (fitToFrame). */
  frameSize?: FrameSize;
}

export interface FrameSize {
  width: number;
  height: number;
}

export function planNextFrame(input: FramePlanInput): NextFrame {
  return plan(input).next;
}

/**
 * The plan; whether it asks for a full frame only because a detection falls due (a crop would do otherwise); and
 * whether it asks for a crop although a detection falls due, because the workers are busy (`postponed`).
 */
function plan(input: FramePlanInput, busy = false): { next: NextFrame; fullForDetection: boolean; postponed: boolean } {
  const { capturedAt, nextFrameAfterMs, rois, schedule, cropOutputSize } = input;
  const full = (fullForDetection: boolean) => ({
    next: { nextFrameAfterMs, frame: "full" as const },
    fullForDetection,
    postponed: false,
  });
  if (cropOutputSize === null || rois.length !== 1) return full(false);
  const nextAt = capturedAt + nextFrameAfterMs;
  const detectionDue = !schedule || nextAt >= schedule.nextDetectAt;
  // detection-policy.ts trackingFor would postpone that detection and follow the face in the full frame: a crop
  // gives it the same face for a fraction of the decoding.
  const postponed = detectionDue && busy && schedule !== null && nextAt < schedule.nextDetectAt + schedule.everyMs;
  if (detectionDue && !postponed) return full(true);
  const roi = input.frameSize ? fitToFrame(rois[0], input.frameSize) : rounded(rois[0]);
  if (!roi) return full(false);
  const crop = { ...roi, outputSize: cropOutputSize };
  return { next: { nextFrameAfterMs, frame: "crop", crop }, fullForDetection: false, postponed };
}

const rounded = (roi: Roi): Roi => ({
  centerX: round2(roi.centerX),
  centerY: round2(roi.centerY),
  size: round2(roi.size),
  rotation: round4(roi.rotation),
});

/**
 * The face ROI as a crop the server accepts back (crop-frame.ts parseFrameCrop): its centre inside the frame,
 * its size at most twice the frame's long side, its rotation within a turn. A face at the frame's edge, or one
 * filling it, gets its crop moved and shrunk to fit (the landmark model finds the face anywhere in the crop);
 * a frame of no known size gets no crop.
 */
export function fitToFrame(roi: Roi, { width, height }: FrameSize): Roi | null {
  if (!(width >= 1 && height >= 1)) return null;
  const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
  const { centerX, centerY, size, rotation } = rounded(roi);
  return {
    centerX: clamp(centerX, 0, width),
    centerY: clamp(centerY, 0, height),
    size: clamp(size, 1, 2 * Math.max(width, height)),
    // The same turn within (-π, π]: round4(π) is still well within ±2π.
    rotation: round4(Math.atan2(Math.sin(rotation), Math.cos(rotation))),
  };
}

// Short numbers in the answer and the client's header; well under a pixel of the face's position.
const round2 = (v: number) => Math.round(v * 100) / 100;
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** Everything the server's settings say about a session's next frame (from config.ts). */
export interface FramePlanSettings {
  detection: DetectionPolicyOptions;
  /** null: fixed 1 s (VIGIL_PACING=false). */
  pacing: PacingOptions | null;
  /** Load-aware pacing (with `pacing` only); null: the pace never depends on load (VIGIL_LOAD_PACING=false). */
  loadPacing: LoadPacingOptions | null;
  rules: SessionRules;
  cropOutputSize: number | null;
}

/** What the answered frame was, as far as the plan cares. */
export interface AnsweredFrame {
  capturedAt: number;
  /** The newest frame of the session (a late frame moves neither the schedule nor the tracking). */
  newest: boolean;
  /** The image was a face crop (a detection inside a crop does not count: it cannot see a second person). */
  crop: boolean;
  detectorRan: boolean;
  presences: number[];
  trackedFaces: number;
  rois: readonly Roi[];
  /** The client's full frame (for a crop, the frame it was cut from), in pixels. */
  frameSize: FrameSize;
  summary: PacingInput["summary"];
  latest: Observation;
  /** detection-policy.ts jitterDraw for this frame; 0 when unset. */
  jitterDraw?: number;
  /** The pool's pressure when the frame was answered (pool/load-pressure.ts); unset: none. */
  pressure?: number;
  /**
   * The frames already asked for (pool/frame-calendar.ts), from this frame on: the delay, from `earliestMs` to
   * `latestMs` after this frame, at which the workers still have room for the next one. Unset: none.
   */
  roomAfter?: (earliestMs: number, latestMs: number) => number;
  /**
   * The workers had a queue when the frame was answered (the signal under which detection-policy.ts trackingFor
   * postpones a due look for a second person): a detection falling due for the next frame is postponed by asking
   * for a crop instead of a full frame.
   */
  busy?: boolean;
}

/** What the plan keeps on the session record between frames (plain data). */
export interface FramePlanState {
  detection: DetectionSchedule | null;
  /** pacing.ts calmSince. */
  calmSince: number | null;
  /**
   * How much later than the session's own pace load asked for its next frame (absent: not deferred). The next
   * frame may come that much after the tracking gap and still be tracked (trackingGapMs).
   */
  deferredMs?: number;
  /**
   * The session is in transition: its pace is dense (eyes closed or closing, a yawn under way, PERCLOS rising,
   * drowsy: pacing.ts paceOf). Its next frame is urgent: it goes ahead of the frames waiting for a worker, and if
   * refused all the same it is told its expected wait, not the overload's minimum (worker-pool.ts RunOptions.urgent).
   * Absent: not.
   */
  inTransition?: true;
  /** A frame of the session has shown a face (absent: none yet; pacing.ts PacingInput.emptySinceStart). */
  faceSeen?: true;
}

/** How long after the previous frame the next one still follows its face (no detector). */
export function trackingGapMs(
  state: FramePlanState | null,
  settings: Pick<DetectionPolicyOptions, "trackingMaxGapMs">,
) {
  return settings.trackingMaxGapMs + (state?.deferredMs ?? 0);
}

/**
 * The plan's state after a frame, the `next` of its answer, how much later than the session's own pace that
 * asks for the next frame because of load (`deferredMs`, 0 when not), and whether it asks for a crop in place of
 * a due detection's full frame because the workers are busy (`detectionPostponed`). Pure.
 */
export function afterFrame(
  state: FramePlanState | null,
  frame: AnsweredFrame,
  settings: FramePlanSettings,
): { state: FramePlanState; next: NextFrame; deferredMs: number; detectionPostponed?: true } {
  const previous = state ?? { detection: null, calmSince: null };
  const scheduled = frame.newest
    ? nextSchedule(
        previous.detection,
        {
          at: frame.capturedAt,
          detectorRan: frame.detectorRan && !frame.crop,
          presences: frame.presences,
          trackedFaces: frame.trackedFaces,
          draw: frame.jitterDraw,
        },
        settings.detection,
      )
    : previous.detection;
  const calm = frame.newest
    ? calmSince(previous.calmSince, frame.latest, settings.pacing ?? DEFAULT_PACING)
    : previous.calmSince;
  const faceSeen = previous.faceSeen === true || (frame.newest && frame.latest.faces > 0);
  const pace = settings.pacing
    ? paceOf(
        { summary: frame.summary, latest: frame.latest, calmSince: calm, emptySinceStart: !faceSeen },
        settings.rules,
        settings.pacing,
      )
    : null;
  const ownMs = pace?.ms ?? 1000;
  const rois = frame.newest ? frame.rois : [];
  const fresh = state === null;
  // Time a session spends deferred by load does not count towards its next detection: slowed frames keep the
  // share of frames that run the detector (the costliest stage) instead of making most of them detections, and a
  // class's new sessions, spread, do not all look for a second person in the same second. The shift adds up to
  // at most one detection interval, so load at most doubles the longest a second person goes unnoticed.
  const scheduleFor = (afterMs: number): DetectionSchedule | null => {
    if (!scheduled || !frame.newest || afterMs <= ownMs) return scheduled;
    const already = scheduled.deferredMs ?? 0;
    const shift = Math.min(afterMs - ownMs, scheduled.everyMs - already);
    return shift > 0
      ? { ...scheduled, nextDetectAt: scheduled.nextDetectAt + shift, deferredMs: already + shift }
      : scheduled;
  };
  const planFor = (nextFrameAfterMs: number) =>
    plan(
      {
        capturedAt: frame.capturedAt,
        nextFrameAfterMs,
        rois,
        schedule: scheduleFor(nextFrameAfterMs),
        cropOutputSize: settings.cropOutputSize,
        frameSize: frame.frameSize,
      },
      frame.busy === true && frame.newest,
    );
  let afterMs = ownMs;
  if (pace && settings.loadPacing && frame.pressure) {
    // A second draw from the frame's one (its low bits), so that the spread does not follow the detection jitter.
    const draw = ((frame.jitterDraw ?? 0) * 65_536) % 1;
    afterMs = loadPacedMs(pace, { pressure: frame.pressure, fresh, draw }, settings.loadPacing);
  }
  if (pace && settings.loadPacing && frame.roomAfter) {
    // Where the frames already asked for fill the workers' time, a session that may be slowed is asked for a
    // later moment that still has room, up to the slowest load may make its pace.
    const slowest = slowestLoadPacedMs(pace, fresh, settings.loadPacing);
    if (slowest > afterMs) afterMs = Math.round(Math.min(slowest, frame.roomAfter(afterMs, slowest)));
  }
  const { next, fullForDetection, postponed } = planFor(afterMs);
  // For a client that follows the plan (this frame was the crop it asked for), the full frame asked for in
  // place of a crop is the detection, whenever it comes: one faster than the pace asked (still at 1 frame/s)
  // would otherwise send it before the detection falls due, have it only tracked, and send a second full
  // frame for the detection itself. (If a queue postpones it, the answer asks for crops again, until the
  // detection can wait no longer.) A client sending only full frames keeps the schedule as it is.
  const followsPlan = fullForDetection && frame.crop;
  const schedule = scheduleFor(afterMs);
  const detection =
    followsPlan && schedule
      ? { ...schedule, nextDetectAt: Math.min(schedule.nextDetectAt, frame.capturedAt + 1) }
      : schedule;
  const deferredMs = afterMs - ownMs;
  return {
    state: {
      detection,
      calmSince: calm,
      ...(deferredMs > 0 ? { deferredMs } : {}),
      ...(pace?.kind === "dense" ? { inTransition: true as const } : {}),
      ...(faceSeen ? { faceSeen: true as const } : {}),
    },
    next,
    deferredMs,
    ...(postponed ? { detectionPostponed: true as const } : {}),
  };
}

/** The plan's settings from the server's configuration. */
export function framePlanSettings(config: {
  redetectEveryMs: number;
  redetectMaxEveryMs: number;
  trackingMaxGapMs: number;
  faceCropSize: number;
  pacing: boolean;
  /**
   * Load-aware pacing on, its ceiling and its ceiling in overload (VIGIL_LOAD_PACING, VIGIL_LOAD_PACING_MAX_MS,
   * VIGIL_LOAD_PACING_OVERLOAD_MAX_MS); unset: off.
   */
  loadPacing?: boolean;
  loadPacingMaxMs?: number;
  loadPacingOverloadMaxMs?: number;
  sessionRules: SessionRules;
}): FramePlanSettings {
  return {
    detection: {
      minEveryMs: config.redetectEveryMs,
      maxEveryMs: Math.max(config.redetectEveryMs, config.redetectMaxEveryMs),
      steadyPresence: STEADY_PRESENCE,
      trackingMaxGapMs: config.trackingMaxGapMs,
      jitter: REDETECT_JITTER,
    },
    pacing: config.pacing ? DEFAULT_PACING : null,
    loadPacing:
      config.pacing && config.loadPacing
        ? {
            ...DEFAULT_LOAD_PACING,
            ceilingMs: config.loadPacingMaxMs ?? DEFAULT_LOAD_PACING.ceilingMs,
            overloadCeilingMs: config.loadPacingOverloadMaxMs ?? DEFAULT_LOAD_PACING.overloadCeilingMs,
          }
        : null,
    rules: config.sessionRules,
    cropOutputSize: config.faceCropSize > 0 ? config.faceCropSize : null,
  };
}

/**
 * How much of each re-detection interval may be cut at random, so that sessions started together drift apart
 * (detection-policy.ts).
 */
export const REDETECT_JITTER = 0.3;

/**
 * Face presence (the landmark model's face flag, a sigmoid) at or above which a tracked face is steady.
 * Measured on the fixture portraits (tests/session/detection-policy.test.ts): 1.0000 while the tracked ROI
 * sits on the face or up to 30% of the face off it; 0.909-0.997 at 40% off; at 50% off the face is lost
 * (under the engine's 0.5, and the engine runs the detector in that same frame).
 */
export const STEADY_PRESENCE = 0.99;
