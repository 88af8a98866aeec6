/**
 * A frame's life in its session: load the session, decide whether to track the face from the previous frame
 * (detection-policy.ts), run the analysis, file the observation, plan the client's next frame (frame-plan.ts:
 * when, and whether a face crop will do), save. The store is injected (memory or Redis).
 *
 * The analysis runs outside the store's atomic step: it takes tens of milliseconds, and holding the session
 * that long would serialise a session's frames across instances. Only filing the observation is atomic
 * (SessionStore.update); if another frame of the session was saved meanwhile, filing runs again on the newer
 * record, and capture time orders the history whichever frame is saved first. The tracking decision uses the
 * record as loaded: it is a hint that at worst costs one detector run.
 *
 * When the store cannot be reached the frame is still analysed and answered, with its session marked
 * unavailable: losing a second of history is better than losing the frame.
 */
import type { FaceSearch, FrameOutcome } from "../frame/frame-contract";
import type { FrameCalendar } from "../pool/frame-calendar";
import { jitterDraw, trackingFor } from "./detection-policy";
import { afterFrame, trackingGapMs, type AnsweredFrame, type FramePlanSettings, type NextFrame } from "./frame-plan";
import { observationOf } from "./observation";
import type { HistoryBounds, SessionRules } from "./session-config";
import { SessionHistory, type SessionSummary } from "./session-history";
import type { SessionRecord } from "./session-record";
import { SessionStoreUnavailable, type SessionChange, type SessionStore } from "./session-store";

export type SessionAnswer =
  | ({ id: string; available: true; fresh: boolean } & SessionSummary)
  | { id: string; available: false; reason: string };

/** A frame as its session sees it. */
export interface SessionFrame {
  /** The store's key: the session id, or whatever scopes it (e.g. `<principal>/<session id>`). */
  key: string;
  /** The session id as the client sent it, for the answer. */
  id: string;
  /** Capture time, ms since the epoch. */
  capturedAt: number;
  /** The image is a face crop the previous answer asked for (its own ROI: nothing to track, no detector). */
  crop?: boolean;
}

/** What the session reads of a frame's outcome: what it saw (observation.ts) and where the faces were. */
export type FrameAnalysis = Pick<FrameOutcome, "faces" | "image" | "tracked" | "tracking">;

export type StoreOperation = "load" | "save" | "read" | "delete";

export interface SessionFramesOptions {
  store: SessionStore;
  rules: SessionRules;
  /** How many frames a session may hold (session-config.ts historyBounds). */
  bounds: HistoryBounds;
  /** When the detector runs again, pacing, and face crops (frame-plan.ts framePlanSettings). */
  plan: FramePlanSettings;
  /** The pool's pressure (pool/load-pressure.ts) when a frame is answered, for load-aware pacing; unset: none. */
  pressure?: () => number;
  /** The workers have a queue now: a due look for a second person may wait (detection-policy.ts trackingFor). */
  busy?: () => boolean;
  /**
   * The frames asked for, by when they are due (load-aware pacing): each answer's next frame is booked there, and
   * a session that may be slowed is asked for a moment with room (frame-plan.ts AnsweredFrame.roomAfter).
   */
  calendar?: Pick<FrameCalendar, "now" | "slotFor" | "book">;
  /** A due detection waited for a quieter frame, or its full frame was not asked for: for a metric. */
  onDetectionPostponed?(): void;
  /** The store could not be reached: for a metric. */
  onUnavailable?(operation: StoreOperation, reason: string): void;
}

export class SessionFrames {
  constructor(private readonly options: SessionFramesOptions) {}

  /**
   * Runs `analyze` (given how to look for the faces, and whether this is the session's first frame: with no
   * record yet it may wait longer for a worker) for a frame of a session, and files what it saw. `next` is what
   * the client should send next, and `deferredMs` how much later than the session's own pace it asks for it
   * because of load; without a reachable store there is neither (the client then keeps its own pace and sends
   * full frames).
   */
  async analyze<A extends FrameAnalysis>(
    frame: SessionFrame,
    analyze: (search: FaceSearch, session: { fresh: boolean; inTransition: boolean }) => Promise<A>,
  ): Promise<{ analysis: A; session: SessionAnswer; next?: NextFrame; deferredMs?: number }> {
    const { calendar } = this.options;
    // When the frame arrived: the client's next frame comes the planned delay after it was captured.
    const arrivedAt = calendar?.now() ?? 0;
    const loaded = await this.attempt("load", () => this.options.store.get(frame.key));
    // A crop is its own face position: nothing to track, no detector over the whole frame.
    const search = loaded.ok && !frame.crop ? this.faceSearch(loaded.value, frame.capturedAt) : {};
    const analysis = await analyze(search, {
      fresh: loaded.ok && !frame.crop && loaded.value === undefined,
      inTransition: loaded.ok && loaded.value?.framePlan?.inTransition === true,
    });
    if (!loaded.ok) return { analysis, session: { id: frame.id, available: false, reason: loaded.reason } };
    const trackedFaces = frame.crop ? 1 : (search.track?.length ?? 0);
    const roomAfter =
      calendar &&
      ((earliestMs: number, latestMs: number) =>
        calendar.slotFor(arrivedAt + earliestMs, arrivedAt + latestMs) - arrivedAt);
    const change = this.fileFrame(frame, analysis, trackedFaces, {
      pressure: this.options.pressure?.(),
      busy: this.options.busy?.(),
      roomAfter,
    });
    const basis = { record: loaded.value };
    const saved = await this.attempt("save", () => this.options.store.update(frame.key, change, basis));
    if (!saved.ok) return { analysis, session: { id: frame.id, available: false, reason: saved.reason } };
    const { detectionPostponed, ...answer } = saved.value;
    if (detectionPostponed) this.options.onDetectionPostponed?.();
    calendar?.book(arrivedAt + answer.next.nextFrameAfterMs);
    return { analysis, ...answer };
  }

  /** The session's state without a frame; undefined when there is none. Throws SessionStoreUnavailable. */
  async read(key: string, id: string): Promise<SessionAnswer | undefined> {
    const record = await this.required("read", () => this.options.store.get(key));
    const history = record && SessionHistory.fromJSON(record.history, this.options.rules, this.options.bounds);
    return history && { id, available: true, fresh: false, ...history.summary() };
  }

  /** Forgets the session; false when there was none. Throws SessionStoreUnavailable. */
  forget(key: string): Promise<boolean> {
    return this.required("delete", () => this.options.store.delete(key));
  }

  /**
   * Follow the faces of the previous frame (no detector), unless it is too old or a detection is due. The
   * full-range detector runs where a second, smaller face matters: a session's first frame and a tracked
   * session's look for a second person; an empty desk's frames and a just-lost face get the short range, a
   * third of the cost (bench/results/short-range-detector.md). After a frame with nobody in it the next is
   * expected empty too: the worker looks at it decoded small first (frame/quick-look.ts).
   */
  private faceSearch(record: SessionRecord | undefined, capturedAt: number): FaceSearch {
    if (!record) return { detector: "full" };
    const { track, reason, postponed } = trackingFor(
      record.tracking,
      record.framePlan?.detection ?? null,
      capturedAt,
      { trackingMaxGapMs: trackingGapMs(record.framePlan, this.options.plan.detection) },
      this.options.busy?.() ?? false,
    );
    if (postponed) this.options.onDetectionPostponed?.();
    if (track) return { track };
    return reason === "no_face_to_track" ? { expectEmpty: true } : { detector: "full" };
  }

  /** The atomic step: file the frame in whatever the session holds now (pure: it may run more than once). */
  private fileFrame(
    frame: SessionFrame,
    analysis: FrameAnalysis,
    trackedFaces: number,
    load: Pick<AnsweredFrame, "pressure" | "busy" | "roomAfter">,
  ): SessionChange<{ session: SessionAnswer; next: NextFrame; deferredMs: number; detectionPostponed?: true }> {
    return (current) => {
      const { rules, bounds } = this.options;
      const history = current
        ? SessionHistory.fromJSON(current.history, rules, bounds)
        : new SessionHistory(rules, bounds);
      const latest = observationOf(analysis, frame.capturedAt);
      const filed = history.observe(latest);
      // The whole record is kept: fields this module does not know about stay as they were.
      const record: SessionRecord = { ...(current ?? { tracking: null, framePlan: null }), history: history.toJSON() };
      // Only the newest frame may move the tracking position or the detection schedule: a late frame's faces
      // are from the past.
      const newest = filed && frame.capturedAt >= history.now;
      if (newest) record.tracking = analysis.tracking.length ? { rois: analysis.tracking, at: frame.capturedAt } : null;
      const summary = history.summary();
      const planned = afterFrame(
        record.framePlan,
        {
          capturedAt: frame.capturedAt,
          newest,
          crop: frame.crop === true,
          detectorRan: !analysis.tracked,
          presences: analysis.faces.map((face) => face.presenceScore),
          trackedFaces,
          rois: analysis.tracking,
          frameSize: { width: analysis.image.width, height: analysis.image.height },
          summary,
          latest,
          jitterDraw: jitterDraw(frame.key, frame.capturedAt),
          ...load,
        },
        this.options.plan,
      );
      record.framePlan = planned.state;
      return {
        record,
        result: {
          session: { id: frame.id, available: true, fresh: !current, ...summary },
          next: planned.next,
          deferredMs: planned.deferredMs,
          ...(planned.detectionPostponed ? { detectionPostponed: true as const } : {}),
        },
      };
    };
  }

  private async attempt<T>(
    operation: StoreOperation,
    step: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    try {
      return { ok: true, value: await step() };
    } catch (error) {
      if (!(error instanceof SessionStoreUnavailable)) throw error;
      this.options.onUnavailable?.(operation, error.reason);
      return { ok: false, reason: error.reason };
    }
  }

  private async required<T>(operation: StoreOperation, step: () => Promise<T>): Promise<T> {
    const outcome = await this.attempt(operation, step);
    if (!outcome.ok) throw new SessionStoreUnavailable(outcome.reason);
    return outcome.value;
  }
}
