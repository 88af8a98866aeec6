/**
 * RGBA pixels out of the PNG that `Bun.Image` writes with `compressionLevel: 0`.
 *
 * Why this exists: `Bun.Image` (libjpeg-turbo, spng, libwebp, built into Bun) is the fastest decoder measured
 * here (bench/results/decoders.md) but has no raw-pixel output. The cheapest lossless container it writes is a
 * PNG whose deflate stream is made of stored (uncompressed) blocks, always 8-bit RGBA, filter None on every
 * row. Getting the pixels back is then: walk the stored blocks across the IDAT chunks and copy each row's bytes
 * (after its filter byte) straight into the output, with no inflate and no intermediate buffer; the output may
 * be a buffer the caller reuses frame after frame (see frame-buffer.ts), so a webcam frame allocates nothing
 * here. A deflate stream that is not all stored blocks goes through node:zlib instead. A general PNG decoder
 * does the same work in ~3.5 ms (fast-png, measured), which is why this is hand-written. The input is always Bun's own
 * output made a moment
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

/** Where the pixels go: a fresh array of exactly `bytes`, or a reused one (frame-buffer.ts). */
export type PixelSink = (bytes: number) => Uint8Array;
const freshPixels: PixelSink = (bytes) => new Uint8Array(bytes);

export function rgbaFromStoredPng(png: Uint8Array, output: PixelSink = freshPixels): RgbaPixels {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.byteLength < 33 || PNG_SIGNATURE.some((byte, i) => png[i] !== byte) || view.getUint32(12) !== IHDR) {
    throw new Error("Bun.Image did not write a PNG");
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const [bitDepth, colourType, , , interlace] = png.subarray(24, 29);
  if (bitDepth !== 8 || colourType !== 6 || interlace !== 0) {
    throw new Error(
      `Bun.Image wrote a PNG with bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}; expected ` +
        `8-bit RGBA, not interlaced`,
    );
  }
  // The zlib stream is split over IDAT chunks (Bun writes 8 KiB ones); these are its pieces, in order.
  const pieces: Array<[number, number]> = [];
  for (let offset = 8; offset + 8 <= png.byteLength; ) {
    const length = view.getUint32(offset);
    const type = view.getUint32(offset + 4);
    if (type === IEND) break;
    if (type === IDAT) pieces.push([offset + 8, Math.min(offset + 8 + length, png.byteLength)]);
    offset += 12 + length;
  }
  const rowBytes = width * 4;
  const data = output(rowBytes * height);
  if (!copyStoredRows(png, pieces, rowBytes, height, data)) inflateRows(png, pieces, rowBytes, height, data);
  return { data, width, height };
}

/** Reads the zlib stream across its pieces without joining them. */
class StreamCursor {
  private piece = 0;
  private at: number;
  constructor(
    private readonly png: Uint8Array,
    private readonly pieces: ReadonlyArray<[number, number]>,
  ) {
    this.at = pieces[0]?.[0] ?? 0;
  }
  private settle(): boolean {
    while (this.piece < this.pieces.length && this.at >= this.pieces[this.piece][1]) {
      this.piece++;
      if (this.piece < this.pieces.length) this.at = this.pieces[this.piece][0];
    }
    return this.piece < this.pieces.length;
  }
  byte(): number {
    if (!this.settle()) throw new Error("Bun.Image's PNG data ends early");
    return this.png[this.at++];
  }
  /** Hands the next `n` bytes to `sink`, as few subarrays as the pieces allow. */
  take(n: number, sink: (bytes: Uint8Array) => void): void {
    while (n > 0) {
      if (!this.settle()) throw new Error("Bun.Image's PNG data ends early");
      const end = Math.min(this.pieces[this.piece][1], this.at + n);
      sink(this.png.subarray(this.at, end));
      n -= end - this.at;
      this.at = end;
    }
  }
}

/**
 * The rows out of a deflate stream of stored blocks (RFC 1951 3.2.4: a 3-bit header, padding to the byte,
 * LEN, NLEN, LEN raw bytes). False, having written nothing that matters, when a block is compressed.
 */
function copyStoredRows(
  png: Uint8Array,
  pieces: ReadonlyArray<[number, number]>,
  rowBytes: number,
  height: number,
  data: Uint8Array,
): boolean {
  const cursor = new StreamCursor(png, pieces);
  const cmf = cursor.byte();
  cursor.byte(); // FLG: no preset dictionary in what Bun writes
  if ((cmf & 0x0f) !== 8) throw new Error("Bun.Image's PNG is not deflate-compressed");
  const stride = rowBytes + 1;
  const total = stride * height;
  let position = 0; // in the filtered rows: each row is a filter byte, then rowBytes
  const sink = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length) {
      const row = Math.floor(position / stride);
      const column = position - row * stride;
      if (column === 0) {
        if (bytes[i] !== 0) throw new Error(`Bun.Image's PNG row ${row} uses filter ${bytes[i]}; expected None`);
        i++;
        position++;
        continue;
      }
      const n = Math.min(bytes.length - i, stride - column);
      data.set(bytes.subarray(i, i + n), row * rowBytes + column - 1);
      i += n;
      position += n;
    }
  };
  for (let last = false; !last; ) {
    const header = cursor.byte();
    last = (header & 1) === 1;
    if (((header >> 1) & 3) !== 0) {
      if (position === 0) return false;
      throw new Error("Bun.Image's PNG mixes stored and compressed blocks");
    }
    const length = cursor.byte() | (cursor.byte() << 8);
    const complement = cursor.byte() | (cursor.byte() << 8);
    if ((length ^ 0xffff) !== complement) throw new Error("Bun.Image's PNG has a damaged stored block");
    if (position + length > total)
      throw new Error(`Bun.Image's PNG holds more than the ${total} bytes of rows it declares`);
    cursor.take(length, sink);
  }
  if (position !== total) throw new Error(`Bun.Image's PNG holds ${position} bytes of rows, expected ${total}`);
  return true;
}

/** The general way, for a compressed stream: join the pieces, inflate, drop the filter bytes. */
function inflateRows(
  png: Uint8Array,
  pieces: ReadonlyArray<[number, number]>,
  rowBytes: number,
  height: number,
  data: Uint8Array,
): void {
  const zlibStream = new Uint8Array(pieces.reduce((n, [a, b]) => n + b - a, 0));
  let streamLength = 0;
  for (const [a, b] of pieces) {
    zlibStream.set(png.subarray(a, b), streamLength);
    streamLength += b - a;
  }
  // One output buffer of the known size: zlib's default 16 KiB chunks cost 3x more on a 12-megapixel frame.
  const filtered = inflateSync(zlibStream, { chunkSize: Math.max(64 * 1024, (rowBytes + 1) * height) });
  if (filtered.byteLength !== (rowBytes + 1) * height)
    throw new Error(`Bun.Image's PNG holds ${filtered.byteLength} bytes of rows, expected ${(rowBytes + 1) * height}`);
  for (let y = 0; y < height; y++) {
    const start = y * (rowBytes + 1);
    if (filtered[start] !== 0)
      throw new Error(`Bun.Image's PNG row ${y} uses filter ${filtered[start]}; expected None`);
    data.set(filtered.subarray(start + 1, start + 1 + rowBytes), y * rowBytes);
  }
}
