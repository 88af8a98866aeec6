/**
 * A person's own open eyes, and whether a frame's eyes are closed measured against them.
 *
 * The eye aspect ratio (EAR) of a normally open eye differs a lot between people (open eyes read 0.2 to
 * 0.4 on the evaluation set), while a shut eye reads much the same in everyone (0.05-0.15, median 0.09:
 * the mesh's lid points stay a little apart). So the point at which an eye is 80% closed (PERCLOS P80)
 * depends on how open that person's eye is, and within a session each eye is judged against that person's
 * baseline: a high percentile of the eye's EAR over the frames the session keeps (up to five minutes). A high
 * percentile is the eye as open as it usually gets: blinks, closures and droops sit in the low tail, so even a drowsy
 * start, which still has its open moments, does not drag it down; a floor and a
 * ceiling from the population keep one odd session (eyes shut from the first frame, a landmark glitch)
 * from setting an impossible baseline.
 *
 * Frames that would lower the baseline for reasons other than closing eyes are left out: no face, a frame
 * too dark or blurry to judge, a head turned or pitched past the looking-away limits, and eyes lowered to
 * a desk (the lids follow the gaze down). So are frames the absolute rule calls closed: a session whose eyes
 * are shut from its first frame then never gets a baseline and keeps the absolute answer (asleep), instead
 * of learning its shut eyes as its open ones; a narrow-eyed person still gets one from the frames the
 * absolute rule calls open, however small a share of all frames they are.
 *
 * Everything here is a pure function of the observations: the session keeps no baseline state of its own.
 */
import type { SessionRules } from "./session-config";
import type { EyeEars, Observation } from "./observation";

export type EyeBasis = "personal" | "absolute";

export interface EyeBaseline {
  /** Each eye's open EAR for this person (the percentile, held within the population's floor and ceiling). */
  ear: EyeEars;
  /** Under these EARs an eye counts as closed: 80% closed between `ear` and the shut EAR (P80). */
  closedBelowEar: EyeEars;
  /** How many frames it was drawn from. */
  frames: number;
}

type BaselineRules = Pick<
  SessionRules,
  "baselinePercentile" | "baselineMinFrames" | "baselineMinEar" | "baselineMaxEar" | "shutEar" | "closedBelow"
>;

/** The p-quantile (0..1) of values, linearly interpolated between order statistics (Hyndman & Fan type 7). */
export function quantile(values: readonly number[], p: number): number {
  if (!values.length) throw new Error("quantile of no values");
  // A typed array sorts numerically without a comparator: several times faster on a session's thousands.
  const sorted = Float64Array.from(values).sort();
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, p));
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** A frame whose EARs say how open this person's eyes are (see the module comment for what is left out). */
export function showsBaselineEyes(o: Observation): o is Observation & { ear: EyeEars } {
  return o.faces > 0 && o.ear !== null && !o.unusable && !o.lookingDown && !o.lookingAway && !o.eyesClosed;
}

/** The person's baseline from the frames kept, or null until `baselineMinFrames` of them qualify. */
export function personalBaseline(observations: readonly Observation[], rules: BaselineRules): EyeBaseline | null {
  const usable = observations.filter(showsBaselineEyes);
  if (usable.length < rules.baselineMinFrames) return null;
  const clamp = (ear: number) => Math.min(rules.baselineMaxEar, Math.max(rules.baselineMinEar, ear));
  const left = clamp(
    quantile(
      usable.map((o) => o.ear.left),
      rules.baselinePercentile,
    ),
  );
  const right = clamp(
    quantile(
      usable.map((o) => o.ear.right),
      rules.baselinePercentile,
    ),
  );
  return {
    ear: { left, right },
    closedBelowEar: { left: closedBelowEar(left, rules), right: closedBelowEar(right, rules) },
    frames: usable.length,
  };
}

/**
 * PERCLOS P80 against the person's own eye: closed when the lid gap is at most 20% of its open gap. EAR is
 * lid gap over eye width, and a shut eye still reads `shutEar` in the mesh, so 80% closed is
 * shutEar + 0.2 (open - shutEar). The per-frame rule is the same formula with the population's open EAR.
 */
export function closedBelowEar(openEar: number, rules: Pick<SessionRules, "shutEar" | "closedBelow">): number {
  return rules.shutEar + rules.closedBelow * (openEar - rules.shutEar);
}

/**
 * Whether the frame's eyes are closed: against the person's baseline when there is one, else the per-frame
 * (absolute) answer. Both eyes must be closed, as in the per-frame rule (one shut eye is a wink or a bad
 * landmark fit). Eyes lowered to a desk or a book are never closed: that is reading; nor are lids low over an
 * eye whose pixels show an iris (looksOpenBelow), as in the per-frame rule. With a baseline, a frame the
 * per-frame rule closed whose eyes' pixels both say closed (over looksClosedAbove) stays closed whatever the
 * lids read against the baseline: shut eyes whose mesh lids stay apart (behind glasses, a drooping head).
 */
export function eyesClosed(
  o: Observation,
  baseline: EyeBaseline | null,
  rules: Pick<SessionRules, "looksOpenBelow" | "looksClosedAbove">,
): boolean {
  if (o.faces === 0 || o.lookingDown) return false;
  if (!baseline || !o.ear) return o.eyesClosed;
  const looks = o.looksClosed;
  if (looks && (looks.left < rules.looksOpenBelow || looks.right < rules.looksOpenBelow)) return false;
  if (o.eyesClosed && looks && looks.left > rules.looksClosedAbove && looks.right > rules.looksClosedAbove) return true;
  return o.ear.left < baseline.closedBelowEar.left && o.ear.right < baseline.closedBelowEar.right;
}
