/**
 * Every threshold of the per-frame measures, with its default and where the default comes from
 * (docs/thresholds.md has the longer story and the measurements). Set them with
 * VIGIL_THRESHOLDS='{"eyes":{"closedBelow":0.25}}' or --thresholds; anything not given keeps its default.
 */
import { z } from "zod";

const eyes = z
  .object({
    earShut: z
      .number()
      .min(0)
      .max(1)
      .default(0.09)
      .describe(
        "EAR of a shut eye (openness 0): the median EAR of the closed eyes of bench/data/eyes " +
          "(docs/thresholds.md). closedBelow is in openness, so moving this moves the closed threshold.",
      ),
    earOpen: z
      .number()
      .min(0)
      .max(1)
      .default(0.28)
      .describe(
        "EAR of a normally open eye (openness 1): the median of the open eyes of bench/data/eyes " +
          "(docs/thresholds.md); Soukupová & Čech 2016 report ~0.3. Must exceed earShut.",
      ),
    closedBelow: z
      .number()
      .min(0)
      .max(1)
      .default(0.29)
      .describe(
        "Openness under which an eye is closed: 0.29 = EAR under 0.145, chosen on bench/data/eyes: closed recall " +
          "97.9% as photographed and 97.2% framed as a webcam, 0.5% of open eyes called closed; on its committed " +
          "files alone 98.4% in either framing, no open eye (docs/thresholds.md). Stricter than PERCLOS P80 " +
          "(openness 0.2, EAR 0.128: recall 92%) because one population threshold must catch narrow-eyed people's " +
          "closures; a session judges against the person's own open eyes instead.",
      ),
    farEyeYaw: z
      .number()
      .min(0)
      .max(90)
      .default(25)
      .describe(
        "|yaw| (degrees) from which the far eye, seen edge-on and partly behind the nose, takes the near eye's " +
          "openness and closed (far-eye.ts). Measured: turned faces with shut eyes read 0.15-0.19 on the far eye, " +
          "0.11-0.12 on the near one.",
      ),
    appearanceOpenBelow: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe(
        "An eye the lids call closed is open after all when its pixels' probability of closed " +
          "(eye-appearance.ts) is under this: lids low over a visible iris (eyes lowered to a book or a phone). " +
          "Chosen leave-one-person-out on bench/data/eyes (bench/results/eyes-appearance.md, the veto table): " +
          "eyes lowered to a desk under lids the mesh calls shut read 0.97-1.0 there, as shut eyes do, so any " +
          "threshold that opens them opens shut eyes by the dozen (0.99: 3 of 5 lowered eyes, 83 of 180 shut " +
          "ones). 0.01 costs no shut eye; the veto is in effect off until the pixels can tell the two apart.",
      ),
    appearanceClosedAbove: z
      .number()
      .min(0)
      .max(1)
      .default(0.8)
      .describe(
        "An eye the lids call open is closed when its pixels' probability of closed is over this and its EAR " +
          "is under appearanceMaxEar: shut eyes behind glasses or in a small, blurred face, whose mesh lids do " +
          "not meet. Chosen leave-one-person-out on bench/data/eyes (bench/results/eyes-appearance.md; on the " +
          "59-person set: closed recall 95.5% against 94.0% at 0.9, no open eye more called closed; 0.7 caught " +
          "one more shut eye and called two more lowered eyes closed). appearanceClosedAboveHeadDown replaces it " +
          "with the head drooping.",
      ),
    appearanceMaxEar: z
      .number()
      .min(0)
      .max(1)
      .default(0.22)
      .describe(
        "EAR under which the eye's pixels may call it closed (appearanceClosedAbove); over it the lids are " +
          "clearly apart. Shut eyes the lids miss read 0.145-0.23 (docs/thresholds.md); 0.22 and 0.2 score the " +
          "same on bench/data/eyes.",
      ),
    appearanceHeadDownPitch: z
      .number()
      .min(0)
      .max(90)
      .default(15)
      .describe(
        "Head pitched down this far (degrees, pitch <= -this) or more: an eye the lids call open is closed " +
          "when its pixels' probability is over appearanceClosedAboveHeadDown instead of appearanceClosedAbove. " +
          "Seen from above, a shut eye's mesh lids stay apart (EAR 0.15-0.23) and the lids say little; 15° is " +
          "where bench/eval-eyes.ts splits a lowered head from a level one.",
      ),
    appearanceClosedAboveHeadDown: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe(
        "appearanceClosedAbove for a head pitched down past appearanceHeadDownPitch: drowsy closures with the " +
          "head drooping. Chosen leave-one-person-out on bench/data/eyes (bench/results/eyes-appearance.md, " +
          "docs/thresholds.md): framed as a webcam it catches 7 more of 387 shut eyes and calls no more open " +
          "eye closed; with it, 137 of 154 shut eyes and none of 102 open ones of 27 people the model had not " +
          "seen (bench/results/eyes-heldout-2026-12-07.md).",
      ),
    appearancePartnerWeight: z
      .number()
      .min(0)
      .max(0.5)
      .default(0.25)
      .describe(
        "Each eye's pixels are judged with the other eye's: the rule above reads the two probabilities' " +
          "log-odds mixed, the other eye's at this weight (eye-appearance.ts withPartner; 0: each eye alone, " +
          "0.5: both eyes read as one). Eyes close together (blinks and drowsy closures are bilateral). Chosen " +
          "leave-one-person-out on bench/data/eyes (bench/results/eyes-appearance.md, the partner table): framed " +
          "as a webcam, 0.2-0.3 catch 4-6 more of 407 shut eyes and call 1-2 fewer open eyes closed than 0.",
      ),
  })
  .refine((e) => e.earOpen > e.earShut, { message: "eyes.earOpen must be greater than eyes.earShut" });

const gaze = z.object({
  maxYaw: z
    .number()
    .min(0)
    .max(180)
    .default(30)
    .describe(
      "Head yaw (degrees) beyond which the user looks away. Engineering default: a laptop screen spans about ±20° at " +
        "arm's length; 30° leaves room to glance across it.",
    ),
  maxPitch: z
    .number()
    .min(0)
    .max(180)
    .default(25)
    .describe(
      "Head pitch (degrees) beyond which the user looks away (e.g. down at a phone or desk). Engineering default; " +
        "frontal fixture portraits (also turned and mirrored) read -3.5° to -8.5°.",
    ),
  maxIrisOffset: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.18)
    .describe(
      "Horizontal iris offset from the eye centre (0..0.5 of the eye width) beyond which the eyes aim off screen; " +
        "judged only with both eyes open. Engineering default; fixture portraits looking at the camera are within " +
        "0.03.",
    ),
  downPitch: z
    .number()
    .min(0)
    .max(90)
    .default(20)
    .describe(
      "Head pitched down at least this far (degrees) is looking down (reading, writing), if the eyes can still see " +
        "(downMinGapOverIris); such eyes are never called closed. Measured (bench/eval-eyes.ts): looking-down photos " +
        "with the head lowered read -20° to -31°, closed-eye photos never below -17°, frontal portraits -3° to -9°.",
    ),
  downMinGapOverIris: z
    .number()
    .min(0)
    .max(2)
    .default(0.3)
    .describe(
      "Least mean lid gap over iris diameter of the two eyes for a lowered face to count as looking down with open " +
        "eyes: an eye that sees has its pupil (about a third of the iris) uncovered. Measured on bench/data/eyes: " +
        "shut eyes median 0.14 (90% under 0.36), open eyes median 0.71, the lowered faces looking down 0.37-0.88.",
    ),
});

const mouth = z.object({
  yawnAbove: z
    .number()
    .min(0)
    .max(5)
    .default(0.6)
    .describe(
      "Inner-lip mouth aspect ratio over which the mouth is yawning; the MAR threshold used in yawning detection on " +
        "the YawDD dataset (Abtahi et al. 2014). Speech and smiles stay under ~0.4 (the astronaut's smile: 0.18).",
    ),
});

const quality = z
  .object({
    darkBelow: z
      .number()
      .min(0)
      .max(255)
      .default(40)
      .describe(
        "Mean face luma (Rec. 601, 0..255) under which the frame is too dark to judge. Engineering default: lid " +
          "edges, which EAR needs, are lost in sensor noise.",
      ),
    brightAbove: z
      .number()
      .min(0)
      .max(255)
      .default(220)
      .describe("Mean face luma over which the face is washed out (skin near clipping). Engineering default."),
    blurryBelow: z
      .number()
      .min(0)
      .default(20)
      .describe(
        "Variance of the Laplacian (Pech-Pacheco et al. 2000) on the 96x96 face grid under which the face is too " +
          "blurry. Calibrated on the fixtures: sharp faces measure 894-4819; a Gaussian blur of about 2% of the face " +
          "width brings them to 16-18.",
      ),
  })
  .refine((q) => q.brightAbove > q.darkBelow, {
    message: "quality.brightAbove must be greater than quality.darkBelow",
  });

export const thresholdsSchema = z
  .object({
    eyes: eyes.prefault({}),
    gaze: gaze.prefault({}),
    mouth: mouth.prefault({}),
    quality: quality.prefault({}),
  })
  .prefault({});

export type Thresholds = z.infer<typeof thresholdsSchema>;

export const DEFAULT_THRESHOLDS: Thresholds = thresholdsSchema.parse({});
