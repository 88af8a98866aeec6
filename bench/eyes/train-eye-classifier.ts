/**
 * Trains the eye-appearance classifier (src/analysis/eye-appearance.ts) on the eye-state set
 * (bench/data/eyes, committed and external parts), and measures it leave-one-person-out first.
 *
 *   VIGIL_EYES_EXTERNAL=DIR npx bun bench/eyes/train-eye-classifier.ts [--cache FILE] [--out DIR] [--write-model]
 *     [--down-weight W] [--train-framings A,B] [--compare [--variants A,B] [--reuse]]
 *
 * Every labelled eye in each framing of bench/eval-eyes.ts (as photographed, webcam, small face, blurred) gives one
 * sample: its patch and shape features, target closed (1) or open/squint (0); half-closed and uncertain eyes
 * are left out. A logistic regression (L2, full-batch gradient descent on standardised features) is trained
 * with each person's eyes held out in turn (personOf in eval-eyes.ts: a person's photos never both train and
 * test), giving every eye a prediction made without its person; those predictions are scored and used to
 * choose the decision thresholds. --write-model then trains on everyone and writes
 * src/analysis/eye-appearance-model.json. Results: bench/results/eyes-appearance.{json,md} (or --out DIR).
 * --cache FILE keeps the engine's features between runs (it is the slow part); delete it when the set changes.
 * --down-weight W: open eyes lowered to a desk weigh W times other open eyes in training (default 1).
 * --train-framings A,B: train on those framings (asIs, webcam, small, blurred; default all but blurred, which
 * added nothing beyond noise: bench/results/eyes-blur-training-2026-12-07.md); every framing is scored.
 * --compare measures other classifiers and inputs (VARIANTS: a one-hidden-layer perceptron, the landmark
 * features beside the pixels, a two-stage combination; a small CNN on the patch, alone and averaged with the
 * regression, on 10 person-disjoint folds) against the committed regression, leave-one-person-out on the same
 * eyes, and writes eyes-compare.md (and each variant's predictions under eyes-compare/) instead of the
 * leave-one-person-out report; --variants A,B runs only those, --reuse takes a variant's predictions from an
 * earlier run (so variants can run in separate processes and one last run writes the table).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  EXTRA_FEATURES,
  eyeFeatures,
  FEATURE_COUNT,
  logOdds,
  PATCH_H,
  PATCH_W,
  predictClosed,
  withPartner,
  type EyeAppearanceModel,
} from "../../src/analysis/eye-appearance";
import type { EyeShape } from "../../src/analysis/eye-shape";
import { type AppearanceThresholds, closedByAppearance } from "../../src/analysis/face-measures";
import { DEFAULT_THRESHOLDS } from "../../src/analysis/thresholds";
import { collect, VARIANTS as FRAMINGS, patchOf, roc, type EyeObservation } from "../eval-eyes";
import {
  type CnnOptions,
  landmarkFeatures,
  predictCnn,
  predictMlp,
  type Row,
  trainCnn,
  trainLinear,
  trainMlp,
} from "../lib/eye-models";

/** The framings the committed model is trained on: the blurred one is scored only. */
const DEFAULT_TRAIN_FRAMINGS = FRAMINGS.filter((f) => f !== "blurred");

const { values: args } = parseArgs({
  options: {
    cache: { type: "string" },
    out: { type: "string" },
    "write-model": { type: "boolean" },
    "down-weight": { type: "string" },
    "train-framings": { type: "string" },
    compare: { type: "boolean" },
    variants: { type: "string" },
    reuse: { type: "boolean" },
    help: { type: "boolean" },
  },
});
if (args.help) {
  console.log(
    "npx bun bench/eyes/train-eye-classifier.ts [--cache FILE] [--out DIR] [--write-model] [--down-weight W]\n" +
      `  [--train-framings A,B (of ${FRAMINGS.join(", ")}; default ${DEFAULT_TRAIN_FRAMINGS.join(",")})]\n` +
      "  [--compare [--variants A,B] [--reuse]]   (--compare: other classifiers against the committed one, LOPO;\n" +
      "  writes eyes-compare.md instead of the report; see the file's comment)",
  );
  process.exit(0);
}

export interface Sample {
  file: string;
  person: string;
  variant: string;
  face?: number;
  eye: string;
  label: string;
  flags: string[];
  ear: number;
  earClosed: boolean;
  /** Closed by its own EAR, before the looking-down rule. */
  closedByEar: boolean;
  /** The face looks down by its landmarks (downcast.ts isLookingDown: head lowered, lids apart over the iris). */
  lowered: boolean;
  pitch: number;
  yaw: number;
  /** The other eye's EAR (same face and framing). */
  otherEar: number;
  /** The lids' and iris's shape (eye-shape.ts); null where it could not be measured. */
  shape: EyeShape | null;
  faceWidth: number;
  /** The eye's grey patch (eye-appearance.ts eyePatch), rounded; then jittered copies for training. */
  patches: number[][];
  x: number[];
  /** Features of the jittered copies. */
  augmented: number[][];
  y: number;
}

/** The framings trained on (--train-framings); every framing is scored. */
const TRAIN_FRAMINGS = new Set(args["train-framings"]?.split(",") ?? DEFAULT_TRAIN_FRAMINGS);
for (const f of TRAIN_FRAMINGS)
  if (!FRAMINGS.includes(f as (typeof FRAMINGS)[number])) throw new Error(`--train-framings: no framing ${f}`);

/** Weight of an open eye lowered to a desk against other open eyes in training (--down-weight). */
const DOWN_WEIGHT = Number(args["down-weight"] ?? 1);

/** Jittered copies of each eye's patch added to the training data (eval-eyes.ts jitteredPatch). */
const AUGMENT = 4;

async function samples(): Promise<Sample[]> {
  const features = (patch: number[]) => Array.from(eyeFeatures(Float32Array.from(patch)));
  const withFeatures = (list: Sample[]) =>
    list.map((s) => ({ ...s, x: features(s.patches[0]), augmented: s.patches.slice(1).map(features) }));
  if (args.cache && existsSync(args.cache)) {
    const cached: Sample[] = JSON.parse(readFileSync(args.cache, "utf8"));
    if (cached.some((s) => s.lowered === undefined))
      throw new Error(`${args.cache} predates Sample.lowered: delete it`);
    return withFeatures(cached);
  }
  const { eyes } = await collect(DEFAULT_THRESHOLDS, { appearance: false, augment: AUGMENT });
  const out: Sample[] = [];
  const key = (e: EyeObservation, eye: string) => `${e.file}|${e.face}|${e.variant}|${eye}`;
  const earOf = new Map((eyes as EyeObservation[]).map((e) => [key(e, e.eye), e.ear]));
  for (const e of eyes as EyeObservation[]) {
    const patches = patchOf.get(e);
    if (!patches || e.uncertain || e.label === "half") continue;
    out.push({
      file: e.file,
      face: e.face,
      person: e.person,
      variant: e.variant,
      eye: e.eye,
      label: e.label,
      flags: e.flags,
      ear: e.ear,
      earClosed: e.closed,
      closedByEar: e.closedByEar,
      lowered: e.gazeDown,
      pitch: e.pitch,
      yaw: e.yaw,
      otherEar: earOf.get(key(e, e.eye === "left" ? "right" : "left")) ?? e.ear,
      shape: e.shape,
      faceWidth: e.faceWidth,
      patches: patches.map((p) => Array.from(p, (v) => +v.toFixed(1))),
      x: [],
      augmented: [],
      y: e.label === "closed" ? 1 : 0,
    });
  }
  if (args.cache) writeFileSync(args.cache, JSON.stringify(out));
  return withFeatures(out);
}

interface Input {
  /** With the landmark features (eye-models.ts LANDMARK_FEATURES) after the pixels'. */
  lids: boolean;
  /** Jittered copies of each training eye used (of AUGMENT). */
  augment: number;
  /** Weight of an open eye lowered to a desk against other open eyes. */
  downWeight: number;
}
const inputOf = (s: Sample, x: number[], o: Input) => (o.lids ? [...x, ...landmarkFeatures(s)] : x);

/**
 * Training rows, each eye and its first `augment` jittered copies. Classes weighted equally (the set has more
 * open eyes than closed ones); within the open ones, eyes lowered to a desk weigh `downWeight` times more: they
 * are few, and they are what the lids alone get wrong.
 */
function rowsOf(list: readonly Sample[], o: Input): Row[] {
  const raw = (s: Sample) => (s.y === 0 && s.flags.includes("lookingDown") ? o.downWeight : 1);
  const rows = list
    .filter((s) => TRAIN_FRAMINGS.has(s.variant))
    .flatMap((s) =>
      [s.x, ...s.augmented.slice(0, o.augment)].map((x) => ({ x: inputOf(s, x, o), y: s.y, weight: raw(s) })),
    );
  const positives = rows.filter((r) => r.y === 1).length;
  const negatives = rows.filter((r) => r.y === 0).reduce((a, r) => a + r.weight, 0);
  for (const r of rows) r.weight = r.y === 1 ? 1 / (2 * positives) : r.weight / (2 * negatives);
  return rows;
}

/** L2-regularised logistic regression on the pixel features (eye-models.ts trainLinear), as the model file holds it. */
export function train(samples: readonly Sample[], lambda = 0.02, iterations = 200, rate = 0.5): EyeAppearanceModel {
  const {
    mean,
    scale,
    weights: w,
    bias: b,
  } = trainLinear(
    rowsOf(samples, { lids: false, augment: AUGMENT, downWeight: DOWN_WEIGHT }),
    lambda,
    iterations,
    rate,
  );
  const pixels = PATCH_W * PATCH_H;
  const hog = FEATURE_COUNT - pixels - EXTRA_FEATURES.length;
  const features = [
    ...Array.from({ length: pixels }, (_, i) => `patch[${Math.floor(i / PATCH_W)}][${i % PATCH_W}]`),
    ...Array.from({ length: hog }, (_, i) => `hog[${i}]`),
    ...EXTRA_FEATURES,
  ];
  return {
    features,
    mean: mean.map((m) => +m.toFixed(5)),
    scale: scale.map((s) => +s.toFixed(5)),
    weights: Array.from(w, (x) => +x.toFixed(5)),
    bias: +b.toFixed(5),
  };
}

/**
 * Every sample's probability from a model fitted (`fit`) without its person. `folds`: the people split into this
 * many groups (by their order of appearance, every k-th), each held out in turn, for the cheaper choice of
 * lambda; by default one fold per person (leave-one-person-out). Either way no person trains and tests.
 */
export function personHeldOut(
  data: readonly Sample[],
  fit: (train: readonly Sample[]) => (s: Sample) => number,
  folds?: number,
): number[] {
  const persons = [...new Set(data.map((s) => s.person))];
  const foldOf = new Map(persons.map((person, i) => [person, folds ? i % folds : i]));
  const p = new Array(data.length).fill(NaN);
  for (const fold of new Set(foldOf.values())) {
    const predict = fit(data.filter((s) => foldOf.get(s.person) !== fold));
    data.forEach((s, i) => {
      if (foldOf.get(s.person) === fold) p[i] = predict(s);
    });
  }
  return p;
}

/** The committed regression (train) with `lambda`, as a fit for personHeldOut. */
const regression = (lambda: number) => (samples: readonly Sample[]) => {
  const model = train(samples, lambda);
  return (s: Sample) => predictClosed(s.x, model);
};

const data = await samples();
const rows: Record<string, unknown>[] = [];
console.log(`${data.length} eyes, ${new Set(data.map((s) => s.person)).size} people`);
const aucOf = (sel: (s: Sample) => boolean, score: (i: number) => number) => {
  const idx = data.map((_, i) => i).filter((i) => sel(data[i]));
  return roc(
    idx.filter((i) => data[i].y === 1).map((i) => -score(i)),
    idx.filter((i) => data[i].y === 0).map((i) => -score(i)),
  ).auc;
};
const hand = FEATURE_COUNT - EXTRA_FEATURES.length;
/** Each hand-made feature alone, as a score for "closed" (the larger side taken: AUC >= 0.5). */
const handMade = Object.fromEntries(
  EXTRA_FEATURES.map((name, k) => {
    const auc = aucOf(
      () => true,
      (i) => data[i].x[hand + k],
    );
    return [name, +Math.max(auc, 1 - auc).toFixed(4)];
  }),
);
const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  eyes: data.length,
  people: new Set(data.map((s) => s.person)).size,
  trainFramings: [...TRAIN_FRAMINGS],
  handMadeAuc: handMade,
  earAuc: aucOf(
    () => true,
    (i) => -data[i].ear,
  ),
};
/**
 * --compare: other classifiers and inputs against the committed one, each measured leave-one-person-out on the
 * same eyes (compare() below); writes eyes-compare.md and exits before the committed model's report.
 */
interface Variant {
  name: string;
  what: string;
  /** Hyperparameter settings, the best chosen by AUC on 6 person-disjoint folds (a single one is used as is). */
  grid: { label: string; fit: (train: readonly Sample[]) => (s: Sample) => number }[];
  /**
   * The people split into this many groups, each held out in turn, instead of one person at a time: for the
   * variants too slow to fit 86 times. No person trains and tests either way.
   */
  folds?: number;
  /**
   * Instead of a fit: the mean logit of these variants' held-out probabilities (each fitted on the same folds,
   * so this is the two models trained together and averaged); they must be in the same run or saved (--reuse).
   */
  averageOf?: string[];
}

const plain: Input = { lids: false, augment: AUGMENT, downWeight: 1 };
const withLids: Input = { lids: true, augment: AUGMENT, downWeight: 1 };
const linear = (o: Input, lambdas: number[]) =>
  lambdas.map((lambda) => ({
    label: `lambda ${lambda}`,
    fit: (train: readonly Sample[]) => {
      const m = trainLinear(rowsOf(train, o), lambda);
      return (s: Sample) => predictClosed(inputOf(s, s.x, o), m);
    },
  }));
const MLP_EPOCHS = 150;
const perceptron = (o: Input, hidden: number, lambdas: number[]) =>
  lambdas.map((lambda) => ({
    label: `${hidden} tanh units, lambda ${lambda}`,
    fit: (train: readonly Sample[]) => {
      const m = trainMlp(rowsOf(train, o), { hidden, lambda, epochs: MLP_EPOCHS, rate: 0.01, seed: 7 });
      return (s: Sample) => predictMlp(inputOf(s, s.x, o), m);
    },
  }));

/**
 * Two stages: the committed pixel regression's logit, then a combiner on it and the landmark features. The
 * combiner learns from logits the pixel model gave eyes it was not trained on (6 person-disjoint folds of the
 * training people), so it sees how far the pixels are to be trusted on new people.
 */
const PIXEL_LAMBDA = 0.03;
const stackedLogits = new Map<string, Map<Sample, number>>();
function heldOutLogits(train: readonly Sample[]): Map<Sample, number> {
  const key = [...new Set(train.map((s) => s.person))].join("|");
  const known = stackedLogits.get(key);
  if (known) return known;
  const pixels = (samples: readonly Sample[]) => {
    const m = trainLinear(rowsOf(samples, plain), PIXEL_LAMBDA);
    return (s: Sample) => logOdds(predictClosed(s.x, m));
  };
  const logits = personHeldOut(train, pixels, 6);
  const out = new Map(train.map((s, i) => [s, logits[i]]));
  stackedLogits.set(key, out);
  return out;
}
const stacked = (combiner: "lr" | "mlp", lambda: number) => ({
  label: combiner === "lr" ? `combiner lambda ${lambda}` : `combiner 8 tanh units, lambda ${lambda}`,
  fit: (train: readonly Sample[]) => {
    const logits = heldOutLogits(train);
    const pixels = trainLinear(rowsOf(train, plain), PIXEL_LAMBDA);
    const second: Input = { lids: true, augment: 0, downWeight: 1 };
    const rows = rowsOf(train, second).map((r, i) => ({
      ...r,
      x: [logits.get(train[i])!, ...landmarkFeatures(train[i])],
    }));
    const input = (s: Sample) => [logOdds(predictClosed(s.x, pixels)), ...landmarkFeatures(s)];
    if (combiner === "lr") {
      const m = trainLinear(rows, lambda);
      return (s: Sample) => predictClosed(input(s), m);
    }
    const m = trainMlp(rows, { hidden: 8, lambda, epochs: 300, rate: 0.02, seed: 7 });
    return (s: Sample) => predictMlp(input(s), m);
  },
});

/** The network on the normalised patch alone (the features' first PATCH_W x PATCH_H values). */
const CNN: Omit<CnnOptions, "seed"> = {
  height: PATCH_H,
  width: PATCH_W,
  filters1: 8,
  filters2: 16,
  epochs: 8,
  rate: 0.003,
  lambda: 1e-4,
  batch: 64,
};
const CNN_FOLDS = 10;
const network = (seed: number) => ({
  label: `8+16 filters, seed ${seed}`,
  fit: (train: readonly Sample[]) => {
    const m = trainCnn(rowsOf(train, plain), { ...CNN, seed });
    return (s: Sample) => predictCnn(s.x, m);
  },
});
const VARIANTS: Variant[] = [
  { name: "lr", what: "logistic regression, pixels (committed)", grid: linear(plain, [0.003, 0.01, 0.03]) },
  { name: "lr-wide", what: "logistic regression, pixels, wider lambda", grid: linear(plain, [0.03, 0.1, 0.3]) },
  { name: "lr+lids", what: "logistic regression, pixels + landmarks", grid: linear(withLids, [0.03, 0.1, 0.3]) },
  {
    name: "lr+lids-down3",
    what: "logistic regression, pixels + landmarks, lowered open eyes weigh 3",
    grid: linear({ ...withLids, downWeight: 3 }, [0.03, 0.1, 0.3]),
  },
  { name: "mlp", what: "MLP, pixels", grid: perceptron({ ...plain, augment: 0 }, 16, [0.03, 0.1, 0.3]) },
  {
    name: "mlp+lids",
    what: "MLP, pixels + landmarks",
    grid: perceptron({ ...withLids, augment: 0 }, 16, [0.03, 0.1, 0.3]),
  },
  {
    name: "mlp+lids-aug",
    what: "MLP, pixels + landmarks, with the jittered copies (mlp+lids's lambda)",
    grid: perceptron(withLids, 16, [0.1]),
  },
  { name: "stack-lr", what: "pixel regression's logit + landmarks, logistic regression", grid: [stacked("lr", 0.01)] },
  { name: "stack-mlp", what: "pixel regression's logit + landmarks, MLP", grid: [stacked("mlp", 0.01)] },
  {
    name: "lr-10fold",
    what: `logistic regression, pixels (committed), ${CNN_FOLDS} person-disjoint folds`,
    grid: linear(plain, [PIXEL_LAMBDA]),
    folds: CNN_FOLDS,
  },
  ...[7, 11, 23].flatMap((seed) => [
    {
      name: `cnn-seed${seed}`,
      what: `CNN on the patch, seed ${seed}, ${CNN_FOLDS} person-disjoint folds`,
      grid: [network(seed)],
      folds: CNN_FOLDS,
    },
    {
      name: `lr+cnn-seed${seed}`,
      what: `regression and CNN (seed ${seed}), logits averaged, ${CNN_FOLDS} person-disjoint folds`,
      grid: [],
      averageOf: ["lr-10fold", `cnn-seed${seed}`],
    },
  ]),
];

interface Thresholds3 {
  openBelow: number;
  closedAbove: number;
  maxEar: number;
  /** closedAbove for a head pitched down past the default appearanceHeadDownPitch; unset: closedAbove. */
  closedAboveHeadDown?: number;
  /** The other eye's weight in each eye's probability (appearancePartnerWeight); unset: each eye alone. */
  partnerWeight?: number;
  /** A lowered face whose two eyes both read over this is judged as any other; unset: never (the product's rule). */
  downShutAbove?: number;
}
/** Each sample's other eye (same face and framing), where it is in the data (not half-closed or uncertain). */
const partnerOf: (number | null)[] = (() => {
  const at = new Map(data.map((s, i) => [`${s.file}|${s.face}|${s.variant}|${s.eye}`, i]));
  return data.map((s) => at.get(`${s.file}|${s.face}|${s.variant}|${s.eye === "left" ? "right" : "left"}`) ?? null);
})();
/** The product's rule (face-measures.ts withAppearance) with thresholds `t`, on probabilities `p`. */
function decide(i: number, p: readonly number[], t: Thresholds3) {
  const s = data[i];
  const partner = partnerOf[i];
  const weight = t.partnerWeight ?? 0;
  const judged = withPartner(p[i], partner === null ? null : p[partner], weight);
  if (!s.lowered)
    return closedByAppearance({ closed: s.earClosed, ear: s.ear }, judged, appearanceThresholds(t), s.pitch);
  // A lowered face (face-measures.ts measureFace): never closed unless both eyes look shut.
  const partnerJudged = partner === null ? judged : withPartner(p[partner], p[i], weight);
  if (!(Math.min(judged, partnerJudged) > (t.downShutAbove ?? Infinity))) return false;
  return closedByAppearance({ closed: s.closedByEar, ear: s.ear }, judged, appearanceThresholds(t), s.pitch);
}
const appearanceThresholds = (t: Thresholds3): AppearanceThresholds => ({
  appearanceOpenBelow: t.openBelow,
  appearanceClosedAbove: t.closedAbove,
  appearanceMaxEar: t.maxEar,
  appearanceHeadDownPitch: DEFAULT_THRESHOLDS.eyes.appearanceHeadDownPitch,
  appearanceClosedAboveHeadDown: t.closedAboveHeadDown ?? t.closedAbove,
});
const THRESHOLD_GRID: Thresholds3[] = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5].flatMap((openBelow) =>
  [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1.01].flatMap((closedAbove) =>
    [0.2, 0.22, 0.25, 0.28].map((maxEar) => ({ openBelow, closedAbove, maxEar })),
  ),
);
/** What a decision costs on the given eyes: closed eyes missed plus 4 per open eye called closed. */
const cost = (idx: readonly number[], closed: (i: number) => boolean) =>
  idx.reduce((a, i) => a + (data[i].y === 1 && !closed(i) ? 1 : data[i].label === "open" && closed(i) ? 4 : 0), 0);

/**
 * Each person's decisions at the setting chosen on everyone else's held-out probabilities (all framings): the
 * grid point of least cost, so the test person's labels never choose their thresholds.
 */
function chosenElsewhere<T>(
  grid: readonly T[],
  decideWith: (i: number, t: T) => boolean,
  label: (t: T) => string,
): { decisions: boolean[]; chosen: Map<string, number> } {
  const decisions = new Array(data.length).fill(false);
  const chosen = new Map<string, number>();
  for (const person of new Set(data.map((s) => s.person))) {
    const others = data.map((_, i) => i).filter((i) => data[i].person !== person);
    let best = grid[0];
    let bestCost = Infinity;
    for (const t of grid) {
      const c = cost(others, (i) => decideWith(i, t));
      if (c < bestCost) [best, bestCost] = [t, c];
    }
    chosen.set(label(best), (chosen.get(label(best)) ?? 0) + 1);
    data.forEach((s, i) => {
      if (s.person === person) decisions[i] = decideWith(i, best);
    });
  }
  return { decisions, chosen };
}
const ALONE_GRID = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

/** Closed eyes caught, open eyes called closed and looking-down faces with an eye called closed, in one framing (or all). */
function outcome(decisions: readonly boolean[], variant?: string) {
  const idx = data.map((_, i) => i).filter((i) => !variant || data[i].variant === variant);
  const closed = idx.filter((i) => data[i].y === 1);
  const open = idx.filter((i) => data[i].label === "open");
  const faces = new Set(idx.filter((i) => data[i].flags.includes("lookingDown")).map((i) => faceKey(data[i])));
  const downClosed = new Set(
    idx.filter((i) => data[i].flags.includes("lookingDown") && decisions[i]).map((i) => faceKey(data[i])),
  );
  const drooping = closed.filter((i) => data[i].pitch <= -15);
  return {
    caught: closed.filter((i) => decisions[i]).length,
    closed: closed.length,
    openClosed: open.filter((i) => decisions[i]).length,
    open: open.length,
    downClosed: downClosed.size,
    downFaces: faces.size,
    droopCaught: drooping.filter((i) => decisions[i]).length,
    drooping: drooping.length,
  };
}
const faceKey = (s: Sample) => `${s.file}|${s.face ?? 0}|${s.variant}`;

function compare(): void {
  const only = args.variants?.split(",");
  const variants = VARIANTS.filter((v) => !only || only.includes(v.name));
  const dir = join(args.out ?? new URL("../results/", import.meta.url).pathname, "eyes-compare");
  mkdirSync(dir, { recursive: true });
  const t = DEFAULT_THRESHOLDS.eyes;
  const defaults = {
    openBelow: t.appearanceOpenBelow,
    closedAbove: t.appearanceClosedAbove,
    maxEar: t.appearanceMaxEar,
  };
  const pct = (a: number, b: number) => `${a} of ${b} (${b ? ((100 * a) / b).toFixed(1) : "n/a"}%)`;
  const auc = (p: readonly number[], variant?: string) =>
    aucOf(
      (s) => !variant || s.variant === variant,
      (i) => p[i],
    );
  const lines = [
    "# Eye classifiers compared leave-one-person-out",
    "",
    `\`npx bun bench/eyes/train-eye-classifier.ts --compare${args.variants ? ` --variants ${args.variants}` : ""}\`, ${String(report.date).slice(0, 16).replace("T", " ")} UTC: ${data.length} eyes of ${report.people} people (${FRAMINGS.length} framings). Every probability comes from a model trained without that person's photos; each variant's hyperparameters were chosen by AUC on 6 person-disjoint folds (or fixed beforehand). Rule: face-measures.ts withAppearance without its head-down threshold, at the defaults (${defaults.openBelow}, ${defaults.closedAbove}, EAR ${defaults.maxEar}) and at thresholds chosen for each person on the others' held-out probabilities (least missed closed eyes + 4 x open eyes called closed, all framings); and the probability alone over a threshold chosen the same way. "down faces": looking-down faces with an eye called closed; "drooping": closed eyes with the head at pitch -15° or lower. The defaults were themselves chosen on the committed regression's leave-one-person-out probabilities on this set, an earlier version of it (thresholds.ts), so its "rule, defaults" rows are in part in-sample; the "chosen without the person" rows are not.`,
    "",
    "| variant | chosen | AUC all | AUC webcam | thresholds | webcam: closed caught | webcam: open called closed | webcam: down faces | all framings: closed caught | all: open called closed | all: down faces | all: drooping caught |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const thresholdNotes: string[] = [];
  const predictions: number[][] = [];
  const row = (what: string, chosen: string, aucs: string, label: string, decisions: readonly boolean[]) => {
    const w = outcome(decisions, "webcam");
    const a = outcome(decisions);
    lines.push(
      `| ${what} | ${chosen} | ${aucs} | ${label} | ${pct(w.caught, w.closed)} | ${pct(w.openClosed, w.open)} | ${w.downClosed} of ${w.downFaces} | ${pct(a.caught, a.closed)} | ${pct(a.openClosed, a.open)} | ${a.downClosed} of ${a.downFaces} | ${a.droopCaught} of ${a.drooping} |`,
    );
  };
  row(
    "lids alone (EAR and the looking-down rule)",
    "",
    `${(report.earAuc as number).toFixed(4)} (EAR) | ${aucOf(
      (s) => s.variant === "webcam",
      (i) => -data[i].ear,
    ).toFixed(4)} (EAR)`,
    "closedBelow",
    data.map((s) => s.earClosed),
  );
  for (const v of variants) {
    const file = join(dir, `${v.name}.json`);
    let saved: { chosen: string; sixFold: Record<string, number>; p: number[] };
    if (args.reuse && existsSync(file)) saved = JSON.parse(readFileSync(file, "utf8"));
    else if (v.averageOf) {
      const parts = v.averageOf.map(
        (name) => JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")).p as number[],
      );
      const p = data.map((_, i) => {
        const z = parts.reduce((a, q) => a + logOdds(q[i]), 0) / parts.length;
        return +(1 / (1 + Math.exp(-z))).toFixed(5);
      });
      saved = { chosen: `mean logit of ${v.averageOf.join(" and ")}`, sixFold: {}, p };
      writeFileSync(file, JSON.stringify(saved));
    } else {
      const started = performance.now();
      const sixFold: Record<string, number> = {};
      let best = v.grid[0];
      for (const g of v.grid.length > 1 ? v.grid : []) {
        const q = personHeldOut(data, g.fit, 6);
        sixFold[g.label] = +auc(q).toFixed(4);
        if (sixFold[g.label] > sixFold[best.label]) best = g;
        console.log(`${v.name} ${g.label}: 6-fold AUC ${sixFold[g.label]}`);
      }
      saved = { chosen: best.label, sixFold, p: personHeldOut(data, best.fit, v.folds).map((x) => +x.toFixed(5)) };
      writeFileSync(file, JSON.stringify(saved));
      console.log(`${v.name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    const { p } = saved;
    predictions.push(p);
    const atDefaults = data.map((_, i) => decide(i, p, defaults));
    const elsewhere = chosenElsewhere(
      THRESHOLD_GRID,
      (i, t) => decide(i, p, t),
      (t) => `${t.openBelow}/${t.closedAbove}/${t.maxEar}`,
    );
    const alone = chosenElsewhere(
      ALONE_GRID,
      (i, t) => p[i] > t,
      (t) => String(t),
    );
    for (const [label, decisions] of [
      ["rule, defaults", atDefaults],
      ["rule, chosen without the person", elsewhere.decisions],
      ["p alone, chosen without the person", alone.decisions],
    ] as const)
      row(
        v.what,
        v.grid.length > 1 || v.averageOf ? saved.chosen : `${saved.chosen} (fixed)`,
        `${auc(p).toFixed(4)} | ${auc(p, "webcam").toFixed(4)}`,
        label,
        decisions,
      );
    const common = [...elsewhere.chosen].sort((x, y) => y[1] - x[1]);
    const sixFold = Object.entries(saved.sixFold).map(([k, x]) => `${k}: ${x}`);
    thresholdNotes.push(
      `- ${v.what}: ${sixFold.length ? `6-fold AUC ${sixFold.join(", ")}` : "one setting, fixed beforehand"}; ` +
        `rule thresholds chosen (openBelow/closedAbove/maxEar: people) ${common.map(([k, n]) => `${k}: ${n}`).join(", ")}; ` +
        `p alone over: ${[...alone.chosen].map(([k, n]) => `${k}: ${n}`).join(", ")}`,
    );
  }
  // Webcam framing: every eye some variant's rule at the defaults gets wrong, with each variant's probability.
  const wrong = data
    .map((_, i) => i)
    .filter(
      (i) =>
        data[i].variant === "webcam" &&
        data[i].label !== "squint" &&
        predictions.some((p) => decide(i, p, defaults) !== (data[i].y === 1)),
    );
  lines.push(
    "",
    `Webcam framing: the eyes some variant gets wrong (rule at the defaults), each variant's probability (${variants.map((v) => v.name).join(", ")}):`,
    "",
    `| file | eye | label | EAR | lids closed | pitch | ${variants.map((v) => v.name).join(" | ")} |`,
    `| --- | --- | --- | --- | --- | --- | ${variants.map(() => "---").join(" | ")} |`,
    ...wrong.map((i) => {
      const s = data[i];
      const ps = predictions.map(
        (p) => `${p[i].toFixed(3)}${decide(i, p, defaults) !== (s.y === 1) ? " (wrong)" : ""}`,
      );
      return `| ${s.file} | ${s.eye} | ${s.label} | ${s.ear.toFixed(3)} | ${s.earClosed} | ${s.pitch.toFixed(0)} | ${ps.join(" | ")} |`;
    }),
  );
  lines.push("", ...thresholdNotes, "");
  writeFileSync(join(dir, "..", "eyes-compare.md"), lines.join("\n"));
  console.log(lines.join("\n"));
}
if (args.compare) {
  compare();
  process.exit(0);
}

// Lambda chosen on 6 person-disjoint folds; then the leave-one-person-out predictions with it.
let best: { lambda: number; auc: number } | null = null;
for (const lambda of [0.003, 0.01, 0.03]) {
  const q = personHeldOut(data, regression(lambda), 6);
  const auc = aucOf(
    () => true,
    (i) => q[i],
  );
  rows.push({ lambda, sixFoldAuc: auc });
  console.log(`lambda ${lambda}: 6-fold (by person) AUC ${auc.toFixed(4)}`);
  if (!best || auc > best.auc) best = { lambda, auc };
}
report.lambdas = rows;
const { lambda } = best!;
report.lambda = lambda;
const p = personHeldOut(data, regression(lambda));
report.lopoAuc = aucOf(
  () => true,
  (i) => p[i],
);
console.log(`lambda ${lambda}: leave-one-person-out AUC ${(report.lopoAuc as number).toFixed(4)}`);

const t = DEFAULT_THRESHOLDS.eyes;
const atDefaults: Thresholds3 = {
  openBelow: t.appearanceOpenBelow,
  closedAbove: t.appearanceClosedAbove,
  maxEar: t.appearanceMaxEar,
  closedAboveHeadDown: t.appearanceClosedAboveHeadDown,
  partnerWeight: t.appearancePartnerWeight,
};
const decideAtDefaults = (i: number) => decide(i, p, atDefaults);
/** Each eye's probability weighed with its partner's at the default weight: what the rule reads. */
const judgedP = data.map((_, i) => {
  const partner = partnerOf[i];
  return withPartner(p[i], partner === null ? null : p[partner], t.appearancePartnerWeight);
});

report.downWeight = DOWN_WEIGHT;
const score = (sel: (s: Sample) => boolean, decide: (i: number) => boolean) => {
  const idx = data.map((_, i) => i).filter((i) => sel(data[i]));
  const closed = idx.filter((i) => data[i].y === 1);
  const open = idx.filter((i) => data[i].label === "open");
  return {
    closed: closed.length,
    caught: closed.filter(decide).length,
    open: open.length,
    openCalledClosed: open.filter(decide).length,
  };
};
const sweep = [];
for (const openBelow of [0.1, 0.2, 0.3, 0.5])
  for (const closedAbove of [0.8, 0.9, 0.95, 0.98, 1.01])
    for (const maxEar of [0.2, 0.22, 0.25]) {
      const r = score(
        (s) => s.variant !== "asIs",
        (i) => decide(i, p, { openBelow, closedAbove, maxEar, partnerWeight: t.appearancePartnerWeight }),
      );
      sweep.push({
        openBelow,
        closedAbove,
        maxEar,
        recall: r.caught / r.closed,
        falseClosed: r.openCalledClosed / r.open,
      });
    }
report.sweepWebcamAndSmall = sweep;
/**
 * The reading veto (appearanceOpenBelow) on its own, webcam framing: closed eyes the lids call closed that it
 * would open, against open eyes lowered to a desk (lookingDown) the lids call closed that it would open.
 */
interface VetoRow {
  openBelow: number;
  closedOpened: number;
  closedByLids: number;
  loweredOpened: number;
  loweredByLids: number;
}
const lidsClosedWebcam = data.map((_, i) => i).filter((i) => data[i].variant === "webcam" && data[i].earClosed);
report.vetoWebcam = [0.01, 0.05, 0.1, 0.3, 0.5, 0.9, 0.99].map(
  (below): VetoRow => ({
    openBelow: below,
    closedOpened: lidsClosedWebcam.filter((i) => data[i].y === 1 && judgedP[i] < below).length,
    closedByLids: lidsClosedWebcam.filter((i) => data[i].y === 1).length,
    loweredOpened: lidsClosedWebcam.filter((i) => data[i].flags.includes("lookingDown") && judgedP[i] < below).length,
    loweredByLids: lidsClosedWebcam.filter((i) => data[i].flags.includes("lookingDown") && data[i].label === "open")
      .length,
  }),
);
const byVariant: Record<string, unknown> = {};
for (const variant of FRAMINGS) {
  const sel = (s: Sample) => s.variant === variant;
  byVariant[variant] = {
    lopoAuc: aucOf(sel, (i) => p[i]),
    lidsAlone: score(sel, (i) => data[i].earClosed),
    appearanceAlone: score(sel, (i) => p[i] >= 0.5),
    combined: score(sel, decideAtDefaults),
  };
}
report.byVariant = byVariant;
/** The other eye's weight (appearancePartnerWeight), the rule otherwise at the defaults, per framing. */
report.partnerWeights = [0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5].map((partnerWeight) => ({
  partnerWeight,
  ...Object.fromEntries(
    FRAMINGS.map((variant) => [
      variant,
      score(
        (s) => s.variant === variant,
        (i) => decide(i, p, { ...atDefaults, partnerWeight }),
      ),
    ]),
  ),
}));
/**
 * Letting the pixels overrule a lowered head (measured, not adopted: docs/thresholds.md), the rule otherwise at
 * the defaults, per framing: on the faces whose landmarks say they look down, closed eyes caught and open eyes
 * called closed when both eyes reading over each threshold makes such a face judged as any other.
 */
const DOWN_SHUT_GRID = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01];
report.downShutAbove = DOWN_SHUT_GRID.map((downShutAbove) => ({
  downShutAbove,
  ...Object.fromEntries(
    FRAMINGS.map((variant) => [
      variant,
      score(
        (s) => s.variant === variant && s.lowered,
        (i) => decide(i, p, { ...atDefaults, downShutAbove }),
      ),
    ]),
  ),
}));
/** Every eye's leave-one-person-out probability, for choosing and checking the rule's thresholds. */
report.predictions = data.map((s, i) => ({
  file: s.file,
  face: s.face ?? 0,
  variant: s.variant,
  eye: s.eye,
  label: s.label,
  flags: s.flags,
  ear: +s.ear.toFixed(3),
  closedByLids: s.earClosed,
  pitch: +s.pitch.toFixed(1),
  faceWidth: Math.round(s.faceWidth),
  pClosed: +p[i].toFixed(4),
}));
report.lopoMistakes = data.flatMap((s, i) =>
  (s.y === 1) !== p[i] >= 0.5
    ? [
        {
          file: s.file,
          variant: s.variant,
          eye: s.eye,
          label: s.label,
          ear: +s.ear.toFixed(3),
          pClosed: +p[i].toFixed(3),
          flags: s.flags,
        },
      ]
    : [],
);
console.log(JSON.stringify(byVariant, null, 1));
console.log(
  sweep
    .filter((r) => r.falseClosed <= 0.006)
    .sort((a, b) => b.recall - a.recall)
    .slice(0, 8),
);
/** The product's rule on the LOPO probabilities, by condition (as bench/eval-eyes.ts reports the final model). */
const conditions: Record<string, (s: Sample) => boolean> = {
  "face < 100 px": (s) => s.faceWidth < 100,
  "face 100-200 px": (s) => s.faceWidth >= 100 && s.faceWidth <= 200,
  "face > 200 px": (s) => s.faceWidth > 200,
  glasses: (s) => s.flags.includes("glasses"),
  dim: (s) => s.flags.includes("dim"),
  "looking down, head level (pitch above -15°)": (s) => s.flags.includes("lookingDown") && s.pitch > -15,
  "looking down, head lowered (pitch -15° or lower)": (s) => s.flags.includes("lookingDown") && s.pitch <= -15,
  "closures, head drooping (pitch -10° or lower)": (s) => s.label === "closed" && s.pitch <= -10,
  all: () => true,
};
const byCondition: Record<string, unknown> = {};
for (const variant of ["webcam", "small", "blurred", "asIs"])
  for (const [name, sel] of Object.entries(conditions)) {
    const inVariant = (s: Sample) => s.variant === variant && sel(s);
    byCondition[`${variant}: ${name}`] = {
      combined: score(inVariant, decideAtDefaults),
      lids: score(inVariant, (i) => data[i].earClosed),
    };
  }
report.byCondition = byCondition;

function markdown(): string {
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "n/a");
  const lines = [
    `# Eye appearance classifier: leave-one-person-out`,
    ``,
    `${String(report.date).slice(0, 16).replace("T", " ")} UTC, \`npx bun bench/eyes/train-eye-classifier.ts --write-model\` (VIGIL_EYES_EXTERNAL set: the committed and external parts of bench/data/eyes).`,
    ``,
    `${data.length} eyes (closed, open and squinting; half-closed and uncertain ones left out) of ${report.people} people, each in ${FRAMINGS.length} framings (as photographed, webcam 640x480 with the face 30% of the width, a 90 px face, and the webcam framing blurred by a Gaussian of sigma 2.45 px), plus ${AUGMENT} jittered copies of each patch for training; trained on ${[...TRAIN_FRAMINGS].join(", ")} (--train-framings), every framing scored. Logistic regression on the 24x12 grey patch, its gradient histograms, the hand-made iris contrast and the three lidBand measures (glint, dark band, darkest row; src/analysis/eye-appearance.ts); lambda ${lambda} (chosen on 6 person-disjoint folds: ${(report.lambdas as { lambda: number; sixFoldAuc: number }[]).map((r) => `${r.lambda}: ${r.sixFoldAuc.toFixed(4)}`).join(", ")}). Every probability below comes from a model trained without that person's photos.`,
    ``,
    `- ROC AUC, closed vs open and squinting eyes: appearance **${(report.lopoAuc as number).toFixed(4)}** (leave-one-person-out); EAR ${(report.earAuc as number).toFixed(4)} on the same eyes; each hand-made measure alone: ${Object.entries(
      handMade,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")} (so the learned classifier is the one used).`,
    `- Rule (face-measures.ts withAppearance) at the defaults: an eye the lids call closed stays closed unless its probability is under ${t.appearanceOpenBelow}; an eye the lids call open is closed when its probability is over ${t.appearanceClosedAbove} (${t.appearanceClosedAboveHeadDown} with the head pitched down ${t.appearanceHeadDownPitch}° or more) and its EAR under ${t.appearanceMaxEar}; each eye's probability is read weighed with the other eye's (log-odds mixed, the other's at ${t.appearancePartnerWeight}); a face whose landmarks say it looks down (gaze.down) is never closed.`,
    ``,
    `| framing | rule | closed eyes caught | open eyes called closed |`,
    `| --- | --- | --- | --- |`,
  ];
  for (const [variant, v] of Object.entries(byVariant) as [string, Record<string, ReturnType<typeof score>>][]) {
    for (const [name, r] of [
      ["lids alone (before)", v.lidsAlone],
      ["appearance alone (p >= 0.5)", v.appearanceAlone],
      ["combined, defaults", v.combined],
    ] as const)
      lines.push(
        `| ${variant} | ${name} | ${r.caught} of ${r.closed} (${pct(r.caught, r.closed)}) | ${r.openCalledClosed} of ${r.open} (${pct(r.openCalledClosed, r.open)}) |`,
      );
  }
  lines.push(
    ``,
    "The reading veto alone (webcam framing): of the eyes the lids call closed, how many a veto at each " +
      `threshold would call open (appearanceOpenBelow; the default is ${t.appearanceOpenBelow}), on each eye's ` +
      "probability weighed with the other eye's as the rule reads it:",
    ``,
    "| p(closed) under | shut eyes opened (of those the lids call closed) | " +
      "eyes lowered to a desk opened (of those the lids call closed) |",
    `| --- | --- | --- |`,
    ...(report.vetoWebcam as VetoRow[]).map(
      (v) => `| ${v.openBelow} | ${v.closedOpened} of ${v.closedByLids} | ${v.loweredOpened} of ${v.loweredByLids} |`,
    ),
  );
  lines.push(
    ``,
    `The other eye's weight in each eye's probability (appearancePartnerWeight; the default is ${t.appearancePartnerWeight}), ` +
      "the rule otherwise at the defaults: closed eyes caught, open eyes called closed:",
    ``,
    `| weight | as photographed | webcam | 90 px face | webcam, blurred |`,
    `| --- | --- | --- | --- | --- |`,
    ...(report.partnerWeights as ({ partnerWeight: number } & Record<string, ReturnType<typeof score>>)[]).map(
      (r) =>
        `| ${r.partnerWeight} | ${FRAMINGS.map((v) => `${r[v].caught} of ${r[v].closed}, ${r[v].openCalledClosed} of ${r[v].open}`).join(" | ")} |`,
    ),
  );
  lines.push(
    ``,
    "The lowered-head table: faces whose landmarks say they look down (head pitched down " +
      `${DEFAULT_THRESHOLDS.gaze.downPitch}° or more, lids at least ${DEFAULT_THRESHOLDS.gaze.downMinGapOverIris} ` +
      "of the iris apart) are never called closed. Were they judged as any other face when both eyes' " +
      "probabilities (each weighed with the other's) are over a threshold (over 1: never, the product's rule; " +
      "measured, not adopted: docs/thresholds.md), on those faces, the rule otherwise at the defaults: closed eyes " +
      "caught, open eyes called closed:",
    ``,
    `| both eyes over | as photographed | webcam | 90 px face | webcam, blurred |`,
    `| --- | --- | --- | --- | --- |`,
    ...(report.downShutAbove as ({ downShutAbove: number } & Record<string, ReturnType<typeof score>>)[]).map(
      (r) =>
        `| ${r.downShutAbove} | ${FRAMINGS.map((v) => `${r[v].caught} of ${r[v].closed}, ${r[v].openCalledClosed} of ${r[v].open}`).join(" | ")} |`,
    ),
  );
  lines.push(
    ``,
    `By condition (combined rule at the defaults on the leave-one-person-out probabilities; in brackets the lids alone):`,
    ``,
  );
  lines.push(
    `| framing: condition | closed eyes | caught | recall | open eyes | called closed |`,
    `| --- | --- | --- | --- | --- | --- |`,
  );
  for (const [name, r] of Object.entries(byCondition) as [
    string,
    { combined: ReturnType<typeof score>; lids: ReturnType<typeof score> },
  ][]) {
    lines.push(
      `| ${name} | ${r.combined.closed} | ${r.combined.caught} (${r.lids.caught}) | ${pct(r.combined.caught, r.combined.closed)} | ${r.combined.open} | ${r.combined.openCalledClosed} (${r.lids.openCalledClosed}) |`,
    );
  }
  lines.push(
    ``,
    `Where the classifier is wrong (probability on the wrong side of 0.5), leave-one-person-out:`,
    ``,
    `| file | framing | eye | label | EAR | p(closed) |`,
    `| --- | --- | --- | --- | --- | --- |`,
  );
  for (const m of report.lopoMistakes as {
    file: string;
    variant: string;
    eye: string;
    label: string;
    ear: number;
    pClosed: number;
  }[])
    lines.push(`| ${m.file} | ${m.variant} | ${m.eye} | ${m.label} | ${m.ear} | ${m.pClosed} |`);
  lines.push(``);
  return lines.join("\n");
}

const outDir = args.out ?? new URL("../results/", import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "eyes-appearance.json"), `${JSON.stringify(report, null, 1)}\n`);
writeFileSync(join(outDir, "eyes-appearance.md"), markdown());
if (args["write-model"]) {
  const model = train(data, lambda);
  const path = new URL("../../src/analysis/eye-appearance-model.json", import.meta.url).pathname;
  writeFileSync(path, `${JSON.stringify(model)}\n`);
  console.log(
    `model written to ${path} (trained on ${data.filter((s) => TRAIN_FRAMINGS.has(s.variant)).length} eyes, lambda ${lambda})`,
  );
}
