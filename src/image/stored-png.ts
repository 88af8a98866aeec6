/**
 * RGBA pixels out of the PNG that `Bun.Image` writes with `compressionLevel: 0`.
 *
 * Why this exists: `Bun.Image` (libjpeg-turbo, spng, libwebp, built into Bun) is the fastest decoder measured
 * here (bench/results/decoders.md) but has no raw-pixel output. The cheapest lossless container it writes is a
 * PNG whose deflate stream is made of stored (uncompressed) blocks, always 8-bit RGBA, filter None on every
 * row. Getting the pixels back is then: gather the IDAT chunks, inflate (node:zlib; stored blocks are copies)
 * and drop each row's filter byte, about 1 ms for 640x480. A general PNG decoder does the same work in ~3.5 ms
 * (fast-png, measured), which is why this is hand-written. The input is always Bun's own output made a moment
 * ago in memory, never a client's file; anything else (another colour type, a filter, interlacing) means
 * Bun's encoder changed, and is refused loudly instead of misread.
 */
import { inflateSync } from "node:zlib";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IHDR = 0x49484452;
const IDAT = 0x49444154;
const IEND = 0x49454e44;

export interface RgbaPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

export function rgbaFromStoredPng(png: Uint8Array): RgbaPixels {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.byteLength < 33 || PNG_SIGNATURE.some((byte, i) => png[i] !== byte) || view.getUint32(12) !== IHDR) {
    throw new Error("Bun.Image did not write a PNG");
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const [bitDepth, colourType, , , interlace] = png.subarray(24, 29);
  if (bitDepth !== 8 || colourType !== 6 || interlace !== 0) {
    throw new Error(`Bun.Image wrote a PNG with bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}; expected 8-bit RGBA, not interlaced`);
  }
  const zlibStream = new Uint8Array(png.byteLength);
  let streamLength = 0;
  for (let offset = 8; offset + 8 <= png.byteLength; ) {
    const length = view.getUint32(offset);
    const type = view.getUint32(offset + 4);
    if (type === IEND) break;
    if (type === IDAT) {
      zlibStream.set(png.subarray(offset + 8, offset + 8 + length), streamLength);
      streamLength += length;
    }
    offset += 12 + length;
  }
  const rowBytes = width * 4;
  // One output buffer of the known size: zlib's default 16 KiB chunks cost 3x more on a 12-megapixel frame.
  const filtered = inflateSync(zlibStream.subarray(0, streamLength), { chunkSize: Math.max(64 * 1024, (rowBytes + 1) * height) });
  if (filtered.byteLength !== (rowBytes + 1) * height) throw new Error(`Bun.Image's PNG holds ${filtered.byteLength} bytes of rows, expected ${(rowBytes + 1) * height}`);
  const data = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const start = y * (rowBytes + 1);
    if (filtered[start] !== 0) throw new Error(`Bun.Image's PNG row ${y} uses filter ${filtered[start]}; expected None`);
    data.set(filtered.subarray(start + 1, start + 1 + rowBytes), y * rowBytes);
  }
  return { data, width, height };
}
