/** The `next` of a session's answer (frame-plan.ts) and the crop geometry it relies on (crop-frame.ts): pure. */
import { describe, expect, test } from "bun:test";
import { cropRotatedSquare } from "../../src/engine/crop";
import { cropPointToFrame, formatFrameCrop, parseFrameCrop } from "../../src/frame/crop-frame";
import { jitterDraw, trackingFor } from "../../src/session/detection-policy";
import {
  afterFrame,
  framePlanSettings,
  planNextFrame,
  trackingGapMs,
  type FramePlanState,
} from "../../src/session/frame-plan";
import { DEFAULT_SESSION_RULES } from "../../src/session/session-config";

const roi = { centerX: 320.123, centerY: 240.456, size: 300.789, rotation: 0.123456 };
const schedule = { nextDetectAt: 10_000, everyMs: 10_000, faces: 1 };
const FRAME = { width: 640, height: 480 };
const planSettings = (faceCropSize: number, loadPacing = false) =>
  framePlanSettings({
    redetectEveryMs: 3000,
    redetectMaxEveryMs: 10_000,
    trackingMaxGapMs: 3000,
    faceCropSize,
    pacing: true,
    loadPacing,
    sessionRules: DEFAULT_SESSION_RULES,
  });
/** One face, eyes well open, looking at the screen: a calm frame. */
const calmObservation = (at: number) => ({
  at,
  faces: 1,
  eyesClosed: false,
  openness: 0.9,
  ear: null,
  lookingDown: false,
  lookingAway: false,
  yawn: false,
  unusable: false,
});
const focusedSummary = {
  state: "focused" as const,
  since: new Date(0).toISOString(),
  measures: {
    perclos: null,
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
};

/** A face crop the client was asked for, its face followed (no detector), calm and focused. */
const trackedCalmFrame = (at: number) => ({
  capturedAt: at,
  newest: true,
  crop: true,
  detectorRan: false,
  presences: [1],
  trackedFaces: 1,
  rois: [roi],
  frameSize: FRAME,
  summary: focusedSummary,
  latest: calmObservation(at),
});

describe("planNextFrame", () => {
  test("a crop of the one tracked face while the next frame is not due for a detection", () => {
    expect(
      planNextFrame({ capturedAt: 5000, nextFrameAfterMs: 1000, rois: [roi], schedule, cropOutputSize: 256 }),
    ).toEqual({
      nextFrameAfterMs: 1000,
      frame: "crop",
      crop: { centerX: 320.12, centerY: 240.46, size: 300.79, rotation: 0.1235, outputSize: 256 },
    });
  });

  test("a full frame when the detection falls due by then, with no face or two, without a schedule, or with crops off", () => {
    const full = (input: Partial<Parameters<typeof planNextFrame>[0]>) =>
      planNextFrame({ capturedAt: 5000, nextFrameAfterMs: 1000, rois: [roi], schedule, cropOutputSize: 256, ...input })
        .frame;
    expect(full({ capturedAt: 9000 })).toBe("full");
    expect(full({ nextFrameAfterMs: 5000 })).toBe("full");
    expect(full({ rois: [] })).toBe("full");
    expect(full({ rois: [roi, roi] })).toBe("full");
    expect(full({ schedule: null })).toBe("full");
    expect(full({ cropOutputSize: null })).toBe("full");
  });

  test("afterFrame: a late frame moves neither the schedule nor the calm time, and never asks for a crop", () => {
    const state = { detection: schedule, calmSince: 1000 };
    const after = afterFrame(
      state,
      {
        capturedAt: 4000,
        newest: false,
        crop: false,
        detectorRan: true,
        presences: [0.2],
        trackedFaces: 0,
        rois: [roi],
        frameSize: FRAME,
        summary: focusedSummary,
        latest: calmObservation(4000),
      },
      planSettings(256),
    );
    expect(after.state).toEqual(state);
    expect(after.next.frame).toBe("full");
  });
});

describe("afterFrame: the full frame asked for a detection is the detection", () => {
  const settings = planSettings(192);
  // Calm for minutes (the pace is 2 s), and the next detection due at 20 s.
  const calmDueAt20s = (): FramePlanState => ({
    detection: { nextDetectAt: 20_000, everyMs: 10_000, faces: 1 },
    calmSince: -600_000,
  });

  test("a client at 1 frame/s, faster than the 2 s pace asked, sends one full frame per detection, not two", () => {
    let state = calmDueAt20s();
    const planned = afterFrame(state, trackedCalmFrame(18_500), settings);
    expect(planned.next.nextFrameAfterMs).toBe(2000);
    expect(planned.next.frame).toBe("full");
    state = planned.state;
    // The client sends that full frame 1 s later, before the nominal 20 s: it runs the detector all the same.
    expect(trackingFor({ rois: [roi], at: 18_500 }, state.detection, 19_500, settings.detection).reason).toBe("due");
  });

  test("a client that sends only full frames (it ignores crops) keeps its schedule: its every frame could detect", () => {
    const planned = afterFrame(calmDueAt20s(), { ...trackedCalmFrame(18_500), crop: false }, settings);
    expect(planned.next.frame).toBe("full");
    expect(planned.state.detection?.nextDetectAt).toBe(20_000);
  });

  test("crops disabled or no single face: the schedule is left as it was", () => {
    expect(afterFrame(calmDueAt20s(), trackedCalmFrame(18_500), planSettings(0)).state.detection?.nextDetectAt).toBe(
      20_000,
    );
    expect(
      afterFrame(
        calmDueAt20s(),
        { ...trackedCalmFrame(18_500), rois: [roi, roi], presences: [1, 1], trackedFaces: 2 },
        settings,
      ).state.detection?.nextDetectAt,
    ).toBe(20_000);
  });
});

describe("afterFrame: a detection the workers' queue would postpone is not asked a full frame for", () => {
  const settings = planSettings(192);
  // Calm for minutes (the pace is 2 s), the next detection due at 20 s, every 10 s.
  const dueAt20s = (): FramePlanState => ({
    detection: { nextDetectAt: 20_000, everyMs: 10_000, faces: 1 },
    calmSince: -600_000,
  });

  test("busy: a crop instead of the full frame, and the answer says a detection was postponed", () => {
    const planned = afterFrame(dueAt20s(), { ...trackedCalmFrame(18_500), busy: true }, settings);
    expect(planned.next.frame).toBe("crop");
    expect(planned.detectionPostponed).toBe(true);
    // The detection stays due: the crop is followed (a crop never runs the detector), and the first plan past
    // one more interval asks for the full frame whatever the load.
    expect(planned.state.detection?.nextDetectAt).toBe(20_000);
    const late = afterFrame(planned.state, { ...trackedCalmFrame(28_500), busy: true }, settings);
    expect(late.next.frame).toBe("full");
    expect(late.detectionPostponed).toBeUndefined();
    expect(
      trackingFor({ rois: [roi], at: 28_500 }, late.state.detection, 30_500, settings.detection, true).reason,
    ).toBe("due");
  });

  test("not busy, or not the newest frame: the full frame for the detection, as before", () => {
    const idle = afterFrame(dueAt20s(), { ...trackedCalmFrame(18_500), busy: false }, settings);
    expect(idle.next.frame).toBe("full");
    expect(idle.detectionPostponed).toBeUndefined();
    const old = afterFrame(dueAt20s(), { ...trackedCalmFrame(18_500), busy: true, newest: false }, settings);
    expect(old.next.frame).toBe("full");
  });
});

describe("afterFrame under load (load-aware pacing)", () => {
  const loadSettings = (faceCropSize: number) => planSettings(faceCropSize, true);
  const calm = (at: number, pressure: number) => ({
    ...trackedCalmFrame(at),
    pressure,
    // The middle of the load's random spread (frame-plan.ts draws it from the frame's low bits).
    jitterDraw: 0.5 / 65_536,
  });
  const calmFor = (): FramePlanState => ({
    detection: { nextDetectAt: 60_000, everyMs: 10_000, faces: 1 },
    calmSince: -600_000,
  });

  test("a calm session's next crop is asked for later, by the amount it reports deferred; none without pressure or when off", () => {
    const loaded = afterFrame(calmFor(), calm(18_000, 1), loadSettings(192));
    expect(loaded.next).toMatchObject({ nextFrameAfterMs: 4000, frame: "crop" });
    expect(loaded.deferredMs).toBe(2000);
    expect(afterFrame(calmFor(), calm(18_000, 0), loadSettings(192))).toMatchObject({
      next: { nextFrameAfterMs: 2000 },
      deferredMs: 0,
    });
    expect(afterFrame(calmFor(), calm(18_000, 1), planSettings(192))).toMatchObject({
      next: { nextFrameAfterMs: 2000 },
      deferredMs: 0,
    });
  });

  test("a session whose eyes close is in transition (its next frame urgent); a calm one is not", () => {
    const closing = { ...calm(18_000, 2), latest: { ...calmObservation(18_000), eyesClosed: true, openness: 0.1 } };
    const closed = afterFrame(calmFor(), closing, loadSettings(192));
    expect(closed.next.nextFrameAfterMs).toBe(1000);
    expect(closed.state.inTransition).toBe(true);
    const yawning = { ...calm(18_000, 0), latest: { ...calmObservation(18_000), yawn: true } };
    expect(afterFrame(calmFor(), yawning, loadSettings(192)).state.inTransition).toBe(true);
    expect(afterFrame(closed.state, calm(19_000, 2), loadSettings(192)).state.inTransition).toBeUndefined();
  });

  test("a deferred frame is still tracked: the tracking gap grows by what load deferred, with crops or without", () => {
    for (const cropSize of [192, 0]) {
      const planned = afterFrame(calmFor(), { ...calm(18_000, 1), crop: cropSize > 0 }, loadSettings(cropSize));
      expect(planned.next.nextFrameAfterMs).toBe(4000);
      expect(planned.state.deferredMs).toBe(2000);
      const gap = trackingGapMs(planned.state, loadSettings(cropSize).detection);
      expect(gap).toBe(5000);
      const at = (ms: number) =>
        trackingFor({ rois: [roi], at: 18_000 }, planned.state.detection, ms, { trackingMaxGapMs: gap }).track;
      expect(at(22_000)).toEqual([roi]);
      expect(at(23_001)).toBeUndefined();
    }
    const unloaded = afterFrame(calmFor(), calm(18_000, 0), loadSettings(192));
    expect(unloaded.state.deferredMs).toBeUndefined();
    expect(trackingGapMs(unloaded.state, loadSettings(192).detection)).toBe(3000);
  });

  test("time deferred by load does not count towards the next detection, up to one detection interval", () => {
    let state: FramePlanState = { detection: { nextDetectAt: 28_000, everyMs: 10_000, faces: 1 }, calmSince: -600_000 };
    const deferred: number[] = [];
    const asked: string[] = [];
    for (let at = 18_000; at <= 34_000; at += 4000) {
      const planned = afterFrame(state, calm(at, 1), loadSettings(192));
      state = planned.state;
      deferred.push(state.detection!.deferredMs ?? 0);
      asked.push(planned.next.frame);
    }
    // Each 4 s frame deferred by 2 s moves the detection 2 s later, until 10 s in all: due at 38 s, not 28 s;
    // the frame that comes then is asked whole, for the detection.
    expect(deferred).toEqual([2000, 4000, 6000, 8000, 10_000]);
    expect(asked).toEqual(["crop", "crop", "crop", "crop", "full"]);
    // A late frame (not the newest) moves nothing.
    const late = afterFrame(calmFor(), { ...calm(18_000, 1), newest: false }, loadSettings(192));
    expect(late.state.detection!.nextDetectAt).toBe(60_000);
  });

  test("a new session's first answer is spread (a draw per session and frame); later, calm sessions not yet steady are slowed from half pressure", () => {
    const first = (key: number) =>
      afterFrame(
        null,
        {
          ...calm(18_000, 1),
          crop: false,
          detectorRan: true,
          trackedFaces: 0,
          jitterDraw: jitterDraw(`session-${key}`, 18_000),
        },
        loadSettings(192),
      );
    const paces = Array.from({ length: 10 }, (_, key) => first(key).next.nextFrameAfterMs);
    // Its first re-detection moves with it: the session's schedule is as if it had started that much later.
    for (let key = 0; key < 10; key++) {
      const { state, deferredMs } = first(key);
      const unloaded = afterFrame(
        null,
        {
          ...calm(18_000, 0),
          crop: false,
          detectorRan: true,
          trackedFaces: 0,
          jitterDraw: jitterDraw(`session-${key}`, 18_000),
        },
        loadSettings(192),
      );
      expect(state.detection!.nextDetectAt - unloaded.state.detection!.nextDetectAt).toBe(deferredMs);
    }
    expect(Math.min(...paces)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...paces)).toBeLessThanOrEqual(4000);
    expect(new Set(paces).size).toBeGreaterThan(5);
    // Calm for 3 s: slowed to the ceiling at full pressure, not at half.
    const settling = (pressure: number) =>
      afterFrame({ detection: schedule, calmSince: 15_000 }, calm(18_000, pressure), loadSettings(192));
    expect(settling(1)).toMatchObject({ next: { nextFrameAfterMs: 4000 }, deferredMs: 3000 });
    expect(settling(0.5)).toMatchObject({ next: { nextFrameAfterMs: 1000 }, deferredMs: 0 });
    // A closed frame in the window (a caught blink): 1 s whatever the load.
    const blinked = {
      ...calm(18_000, 1),
      summary: { ...focusedSummary, measures: { ...focusedSummary.measures, closedFrames: 1 } },
    };
    expect(afterFrame({ detection: schedule, calmSince: 15_000 }, blinked, loadSettings(192))).toMatchObject({
      next: { nextFrameAfterMs: 1000 },
      deferredMs: 0,
    });
  });

  test("an empty desk since the session began is slowed up to the sparse pace; once a face was seen, an empty frame keeps its pace", () => {
    const nobody = (at: number, pressure: number) => ({
      ...calm(at, pressure),
      crop: false,
      detectorRan: true,
      presences: [],
      trackedFaces: 0,
      rois: [],
      summary: {
        ...focusedSummary,
        state: "unknown" as const,
        measures: { ...focusedSummary.measures, noPersonMs: 1000 },
      },
      latest: { ...calmObservation(at), faces: 0, openness: null },
    });
    const first = afterFrame(null, nobody(18_000, 2), loadSettings(192));
    expect(first.state.faceSeen).toBeUndefined();
    const second = afterFrame(first.state, nobody(19_000, 2), loadSettings(192));
    expect(second).toMatchObject({ next: { nextFrameAfterMs: 2000, frame: "full" }, deferredMs: 1000 });
    expect(second.state.faceSeen).toBeUndefined();
    // The user sat down, then left: the face just lost keeps the session's own pace.
    const seen = afterFrame(second.state, calm(21_000, 2), loadSettings(192));
    expect(seen.state.faceSeen).toBe(true);
    const left = afterFrame(seen.state, nobody(22_000, 2), loadSettings(192));
    expect(left).toMatchObject({ next: { nextFrameAfterMs: 1000 }, deferredMs: 0 });
    expect(left.state.faceSeen).toBe(true);
  });

  test("where the frames already asked for fill the workers' time, a calm session is asked for a later moment with room, up to the overload ceiling", () => {
    const asked: Array<[number, number]> = [];
    // A calendar with room from 6.5 s after the frame on.
    const roomAfter = (earliestMs: number, latestMs: number) => {
      asked.push([earliestMs, latestMs]);
      return Math.min(latestMs, Math.max(earliestMs, 6500));
    };
    const calmPlan = afterFrame(calmFor(), { ...calm(18_000, 1), roomAfter }, loadSettings(192));
    expect(calmPlan).toMatchObject({ next: { nextFrameAfterMs: 6500 }, deferredMs: 4500 });
    // From the pace load asks at this pressure (4 s) to the overload ceiling (8 s).
    expect(asked).toEqual([[4000, 8000]]);
    // Room at once: the pace load asks, as without a calendar.
    const free = afterFrame(
      calmFor(),
      { ...calm(18_000, 1), roomAfter: (earliestMs) => earliestMs },
      loadSettings(192),
    );
    expect(free.next.nextFrameAfterMs).toBe(4000);
    // A calendar that would go past the ceiling is held to it.
    const late = afterFrame(calmFor(), { ...calm(18_000, 1), roomAfter: () => 60_000 }, loadSettings(192));
    expect(late.next.nextFrameAfterMs).toBe(8000);
    // A session whose eyes close keeps its pace whatever the calendar says, and it is not asked.
    asked.length = 0;
    const closing = {
      ...calm(18_000, 1),
      roomAfter,
      latest: { ...calmObservation(18_000), eyesClosed: true, openness: 0.1 },
    };
    expect(afterFrame(calmFor(), closing, loadSettings(192)).next.nextFrameAfterMs).toBe(1000);
    expect(asked).toEqual([]);
    // Load-aware pacing off: no calendar either.
    expect(afterFrame(calmFor(), { ...calm(18_000, 1), roomAfter }, planSettings(192)).next.nextFrameAfterMs).toBe(
      2000,
    );
  });
});

describe("X-Frame-Crop geometry", () => {
  const limits = { maxPixels: 16_000_000, maxSide: 10_000 };

  test("format and parse are inverse (to the digits sent)", () => {
    const crop = { ...roi, frameWidth: 640, frameHeight: 480 };
    const parsed = parseFrameCrop(formatFrameCrop(crop), limits);
    expect("crop" in parsed && parsed.crop).toEqual({
      centerX: 320.12,
      centerY: 240.46,
      size: 300.79,
      rotation: 0.123456,
      frameWidth: 640,
      frameHeight: 480,
    });
    expect(parseFrameCrop(" 1, 2 ,3,0,640,480 ", limits)).toEqual({
      crop: { centerX: 1, centerY: 2, size: 3, rotation: 0, frameWidth: 640, frameHeight: 480 },
    });
  });

  test("a point of the crop image maps to the frame point the engine's warp sampled it from", () => {
    const crop = { ...roi, frameWidth: 640, frameHeight: 480 };
    const side = 256;
    // The centre of the crop is the crop's centre in the frame.
    const centre = cropPointToFrame(crop, side, { x: side / 2, y: side / 2, z: 0 });
    expect(centre.x).toBeCloseTo(roi.centerX, 9);
    expect(centre.y).toBeCloseTo(roi.centerY, 9);
    // A frame whose red and green values are ramps of x and y (2.5 and 1.875 px a step): the warp's output
    // pixel (u, v) must hold the frame point that cropPointToFrame gives for that pixel's centre. A wrong
    // sign of the rotation or a swapped axis would be tens of pixels off.
    const frame = { data: new Uint8Array(640 * 480 * 4), width: 640, height: 480 };
    for (let y = 0; y < 480; y++)
      for (let x = 0; x < 640; x++) frame.data.set([x / 2.5, y / 1.875, 0, 255], (y * 640 + x) * 4);
    const pixels = cropRotatedSquare(frame, roi, side);
    for (const [u, v] of [
      [10, 20],
      [128, 128],
      [200, 37],
      [250, 250],
      [5, 240],
    ]) {
      const p = cropPointToFrame(crop, side, { x: u + 0.5, y: v + 0.5, z: 0 });
      const i = (v * side + u) * 4;
      // Pixel i's centre is at i + 0.5 in continuous coordinates.
      expect(Math.abs(pixels[i] * 2.5 - (p.x - 0.5))).toBeLessThan(3);
      expect(Math.abs(pixels[i + 1] * 1.875 - (p.y - 0.5))).toBeLessThan(2.5);
    }
  });
});
