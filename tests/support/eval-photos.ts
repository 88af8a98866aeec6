/**
 * Real photos of closed eyes and of people looking down, from the eye-state evaluation set
 * (bench/data/eyes/README.md has each one's source, commit and licence).
 *
 * The ones the browser tests play come from public repositories that state no licence allowing
 * redistribution, so they are not in this repository (neither in bench/data/eyes nor in tests/fixtures):
 * they are read from the evaluation set's `external/` folder, `VIGIL_EYES_EXTERNAL` or
 * bench/data/eyes/external (where the evaluation command also looks). Without them the tests that need them
 * are skipped, saying which files are missing; nothing else stands in for them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

export const EYES_EXTERNAL = process.env.VIGIL_EYES_EXTERNAL ?? new URL("../../bench/data/eyes/external/", import.meta.url).pathname;

/** Absolute paths of the named evaluation photos (relative to external/), and those that are missing. */
export function evalPhotos<const Names extends readonly string[]>(names: Names): { path: (name: Names[number]) => string; missing: string[] } {
  const missing = names.filter((name) => !existsSync(join(EYES_EXTERNAL, name)));
  if (missing.length) console.warn(`skipped: the evaluation set's photos are not in ${EYES_EXTERNAL} (set VIGIL_EYES_EXTERNAL): missing ${missing.join(", ")}`);
  return { path: (name) => join(EYES_EXTERNAL, name), missing };
}
