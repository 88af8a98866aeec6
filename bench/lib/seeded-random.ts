/**
 * A deterministic pseudo-random sequence in [0, 1) (mulberry32, Tommy Ettinger's 32-bit generator): the same
 * seed gives the same numbers on every run, so augmented training sets, simulated scenes and fuzz cases can
 * be made again.
 */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
