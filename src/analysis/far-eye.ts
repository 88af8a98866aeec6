/**
 * A head turned well to one side shows the far eye edge-on: its opening is foreshortened, partly hidden
 * behind the nose, and the landmark model extrapolates it. Its EAR then reads a shut eye as half open
 * (measured: the three turned faces with both eyes shut in bench/data/eyes, yaw 27°-33°, read 0.15-0.19 on the
 * far eye and 0.11-0.12 on the near one). Past `farEyeYaw` the far eye's openness and `closed` are taken
 * from the near eye; its own EAR is still reported. (A wink with the head turned that far is then missed.)
 */
import type { EyeState } from "./eyes";

export interface FarEyeThresholds {
  /** |yaw| (degrees) from which the far eye is judged by the near one. */
  farEyeYaw: number;
}

/** yaw > 0 turns the subject to their left, taking the left eye away from the camera. */
export function judgeFarEye(
  eyes: { left: EyeState; right: EyeState },
  yaw: number,
  t: FarEyeThresholds,
): { left: EyeState; right: EyeState } {
  if (!(Math.abs(yaw) >= t.farEyeYaw)) return eyes;
  const [far, near] = yaw > 0 ? (["left", "right"] as const) : (["right", "left"] as const);
  return { ...eyes, [far]: { ...eyes[far], openness: eyes[near].openness, closed: eyes[near].closed } } as {
    left: EyeState;
    right: EyeState;
  };
}
