/**
 * When a tracked session runs the face detector again. Between detections the landmark model follows the
 * face from the previous frame (no detector), so someone else coming into view is only noticed by a
 * detection. The detector is the costliest stage (11 of 26 ms on a 512x600 photo, bench/results/engine-stages.md),
 * so it runs less often while the tracked face is steady, and at once when it is not:
 *
 *   - after a detection, the next one is due `minEveryMs` later (VIGIL_REDETECT_EVERY_MS, 3 s);
 *   - each detection that finds the same number of faces, every one with a high presence score, doubles the
 *     interval, up to `maxEveryMs` (VIGIL_REDETECT_MAX_EVERY_MS, 10 s): a bounded maximum, so a second person
 *     is still noticed within `maxEveryMs` plus one frame interval (under load, one more interval at most: time
 *     deferred by load-aware pacing does not count, frame-plan.ts, and a due detection may wait out a queue);
 *   - a tracked frame whose face presence falls under `steadyPresence`, or that lost one of its faces, makes
 *     the next frame detect (and the interval restarts from `minEveryMs`);
 *   - each interval is shortened by a random part of `jitter` (0.3: the next detection falls between 70% and
 *     100% of the interval). Sessions that start together (a class at nine, every user after a restart, a
 *     load bench's step) would otherwise all run the detector in the same second, every 10 s, for as long as
 *     they last, and that second's queue would shed frames. The draw only shortens, so `maxEveryMs` stays the
 *     bound; the average interval is 85% of the nominal one.
 *
 * The schedule is plain JSON on the session record; every function here is pure.
 */
import type { Roi } from "../engine/types";

export interface DetectionPolicyOptions {
  /** Interval right after a detection that changed something (and the start of the back-off). */
  minEveryMs: number;
  /** The longest the detector may go unrun while a session is tracked. */
  maxEveryMs: number;
  /** The landmark model's face presence at or above which a tracked face counts as steady. */
  steadyPresence: number;
  /** A frame further than this from the previous one does not reuse its face position. */
  trackingMaxGapMs: number;
  /** Largest fraction by which an interval is shortened at random (0: none), so that sessions drift apart. */
  jitter?: number;
}

/** The session's detection schedule (plain data, kept on the session record). */
export interface DetectionSchedule {
  /** Capture time from which the next frame runs the detector. */
  nextDetectAt: number;
  /** The interval that set `nextDetectAt`; doubles while detections keep confirming a steady face. */
  everyMs: number;
  /** Faces the last detection found. */
  faces: number;
  /** How far load's deferred frames have moved `nextDetectAt` since that detection (frame-plan.ts). */
  deferredMs?: number;
}

/** What the previous frame left for tracking. */
export interface TrackingHint {
  rois: Roi[];
  /** Capture time of the frame the ROIs come from. */
  at: number;
}

export type DetectReason = "no_face_to_track" | "tracking_too_old" | "due" | null;

/**
 * The ROIs to follow in a frame captured at `capturedAt`, or none (run the detector), with why.
 * A frame earlier than the tracking hint (a late frame) does not track from the future either.
 *
 * `busy`: the workers have a queue now. A periodic look for a second person then waits for a quieter frame, up
 * to one more detection interval past its due time; the frame follows the faces instead. The detector is the
 * costliest stage, and sessions that started together fall due together: their detections, not their frames,
 * are what fills a queue in a burst. A face that is lost or too old to follow is looked for at once, busy or not.
 */
export function trackingFor(
  tracking: TrackingHint | null,
  schedule: DetectionSchedule | null,
  capturedAt: number,
  options: Pick<DetectionPolicyOptions, "trackingMaxGapMs">,
  busy = false,
): { track: Roi[] | undefined; reason: DetectReason; postponed?: true } {
  if (!tracking || tracking.rois.length === 0) return { track: undefined, reason: "no_face_to_track" };
  if (capturedAt - tracking.at > options.trackingMaxGapMs) return { track: undefined, reason: "tracking_too_old" };
  if (!schedule) return { track: undefined, reason: "due" };
  if (capturedAt >= schedule.nextDetectAt) {
    const mayWait = busy && capturedAt < schedule.nextDetectAt + schedule.everyMs;
    return mayWait ? { track: tracking.rois, reason: null, postponed: true } : { track: undefined, reason: "due" };
  }
  return { track: tracking.rois, reason: null };
}

/** What an analysed frame tells the schedule. */
export interface FrameOutcome {
  at: number;
  /** The detector ran on this frame (it was due, or tracking lost every face and the engine fell back). */
  detectorRan: boolean;
  /** Presence score of each face found. */
  presences: number[];
  /** Faces that were being tracked into this frame (0 when the detector ran). */
  trackedFaces: number;
  /** A draw in [0, 1) for the interval's jitter (jitterDraw); 0 when unset (the nominal interval). */
  draw?: number;
}

/** The schedule after a frame (the newest one: a late frame must not move it). */
export function nextSchedule(
  previous: DetectionSchedule | null,
  frame: FrameOutcome,
  options: DetectionPolicyOptions,
): DetectionSchedule {
  const steady = frame.presences.length > 0 && frame.presences.every((p) => p >= options.steadyPresence);
  if (frame.detectorRan) {
    // The same faces again, all clearly present: the scene is steady, so wait longer before looking again.
    const confirmed = previous !== null && steady && previous.faces === frame.presences.length;
    const everyMs = confirmed
      ? Math.min(options.maxEveryMs, Math.max(options.minEveryMs, previous.everyMs * 2))
      : options.minEveryMs;
    const shortenedBy = (options.jitter ?? 0) * (frame.draw ?? 0);
    return { nextDetectAt: frame.at + Math.round(everyMs * (1 - shortenedBy)), everyMs, faces: frame.presences.length };
  }
  const base = previous ?? { nextDetectAt: frame.at, everyMs: options.minEveryMs, faces: frame.trackedFaces };
  // A doubtful face (presence dropped) or a lost one: look with the detector on the very next frame.
  if (!steady || frame.presences.length < frame.trackedFaces)
    return { nextDetectAt: frame.at, everyMs: options.minEveryMs, faces: base.faces };
  return base;
}

/**
 * The jitter draw for a session's frame: a number in [0, 1) from a hash of the session's key and the frame's
 * capture time. Uniform across sessions and frames, yet the same every time the same frame is filed (the
 * store's atomic step may run more than once).
 */
export function jitterDraw(sessionKey: string, capturedAt: number): number {
  return Number(BigInt.asUintN(32, BigInt(Bun.hash.wyhash(`${sessionKey}@${capturedAt}`)))) / 2 ** 32;
}

/**
 * The longest a second person entering the view can go unnoticed by the detector, for a client sending a
 * frame at most every `frameGapMs`: the detection interval at its longest, plus the wait for the first frame
 * after it falls due. `not_alone` is then entered `notAloneAfterMs` later (session rules), since the
 * second face is tracked from that detection on.
 */
export function worstCaseSecondPersonMs(
  options: Pick<DetectionPolicyOptions, "maxEveryMs">,
  frameGapMs: number,
): number {
  return options.maxEveryMs + frameGapMs;
}
