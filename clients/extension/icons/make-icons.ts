/**
 * Draws the extension's icons (an open eye on a blue tile) at 16, 48 and 128 px, so no binary comes from
 * an unknown source: `bun clients/extension/icons/make-icons.ts` rewrites them. Supersampled 4x per pixel.
 */
import { writeFileSync } from "node:fs";
import { encodePng } from "../../../bench/lib/png";

function inside(u: number, v: number): [number, number, number, number] {
  // u, v in [-1, 1]. Tile with rounded corners, an almond-shaped eye, an iris and a pupil.
  const corner = 0.35;
  const qx = Math.max(Math.abs(u) - (1 - corner), 0);
  const qy = Math.max(Math.abs(v) - (1 - corner), 0);
  if (qx * qx + qy * qy > corner * corner) return [0, 0, 0, 0];
  const lid = 0.5 * (1 - u * u) ** 0.9; // half-height of the almond at u
  const r = Math.hypot(u, v);
  if (Math.abs(u) < 0.82 && Math.abs(v) < lid) {
    if (r < 0.16) return [20, 24, 31, 255];
    if (r < 0.36) return [31, 111, 235, 255];
    return [255, 255, 255, 255];
  }
  return [31, 111, 235, 255];
}

for (const size of [16, 48, 128]) {
  const data = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const u = ((x + (sx + 0.5) / samples) / size) * 2 - 1;
          const v = ((y + (sy + 0.5) / samples) / size) * 2 - 1;
          const [r, g, b, a] = inside(u, v);
          sum[0] += r * a;
          sum[1] += g * a;
          sum[2] += b * a;
          sum[3] += a;
        }
      }
      const o = (y * size + x) * 4;
      const alpha = sum[3] / (samples * samples);
      data[o] = sum[3] ? sum[0] / sum[3] : 0;
      data[o + 1] = sum[3] ? sum[1] / sum[3] : 0;
      data[o + 2] = sum[3] ? sum[2] / sum[3] : 0;
      data[o + 3] = alpha;
    }
  }
  writeFileSync(new URL(`./vigil-${size}.png`, import.meta.url), encodePng({ data, width: size, height: size }));
}
