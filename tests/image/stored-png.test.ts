import { describe, expect, test } from "bun:test";
import { pngChunksIntact } from "../../src/image/png-checksums";
import { rgbaFromStoredPng } from "../../src/image/stored-png";
import { fixtureBytes } from "../support/images";

// These pin down what Bun.Image's PNG writer does, which the decoder relies on: if a Bun upgrade changes it,
// these fail first and say how.
describe("rgbaFromStoredPng reads what Bun.Image writes at compressionLevel 0", () => {
  test("an RGB PNG comes back as RGBA, pixel for pixel", async () => {
    // astronaut.png is 8-bit RGB; its first pixels read with an independent decoder (fast-png).
    const { decode } = await import("fast-png");
    const source = await fixtureBytes("astronaut.png");
    const reference = decode(source);
    expect(reference.channels).toBe(3);
    const pixels = rgbaFromStoredPng(await new Bun.Image(source).png({ compressionLevel: 0 }).bytes());
    expect([pixels.width, pixels.height]).toEqual([512, 512]);
    for (const i of [0, 1, 1000, 131_071, 262_143]) {
      expect([...pixels.data.subarray(i * 4, i * 4 + 4)]).toEqual([
        reference.data[i * 3],
        reference.data[i * 3 + 1],
        reference.data[i * 3 + 2],
        255,
      ]);
    }
  });

  test("grey, grey+alpha and palette PNGs are also written as 8-bit RGBA", async () => {
    const { encode } = await import("fast-png");
    const grey = encode({
      width: 3,
      height: 2,
      data: Uint8Array.from([0, 50, 100, 150, 200, 250]),
      channels: 1,
      depth: 8,
    });
    expect([
      ...rgbaFromStoredPng(await new Bun.Image(grey).png({ compressionLevel: 0 }).bytes()).data.subarray(4, 8),
    ]).toEqual([50, 50, 50, 255]);
    const greyAlpha = encode({ width: 1, height: 1, data: Uint8Array.from([80, 128]), channels: 2, depth: 8 });
    expect([...rgbaFromStoredPng(await new Bun.Image(greyAlpha).png({ compressionLevel: 0 }).bytes()).data]).toEqual([
      80, 80, 80, 128,
    ]);
    const rgb = encode({ width: 2, height: 1, data: Uint8Array.from([255, 0, 0, 0, 0, 255]), channels: 3, depth: 8 });
    const palette = await new Bun.Image(rgb).png({ palette: true }).bytes();
    expect(palette[25]).toBe(3); // really indexed
    expect([...rgbaFromStoredPng(await new Bun.Image(palette).png({ compressionLevel: 0 }).bytes()).data]).toEqual([
      255, 0, 0, 255, 0, 0, 255, 255,
    ]);
  });

  test("a webcam-sized frame (many IDAT chunks, stored blocks across them) comes back byte for byte, into a reused buffer too", async () => {
    const { decode } = await import("fast-png");
    const png = await new Bun.Image(await fixtureBytes("grace_hopper.jpg")).png({ compressionLevel: 0 }).bytes();
    const idats = [...Buffer.from(png).toString("latin1").matchAll(/IDAT/g)].length;
    expect(idats).toBeGreaterThan(10);
    const reference = decode(png);
    const fresh = rgbaFromStoredPng(png);
    expect(Buffer.compare(Buffer.from(fresh.data), Buffer.from(reference.data as Uint8Array))).toBe(0);
    // Into memory that held something else: every byte is overwritten.
    const reused = new Uint8Array(600 * 512 * 4 + 100).fill(7);
    const into = rgbaFromStoredPng(png, (bytes) => reused.subarray(0, bytes));
    expect(into.data.buffer).toBe(reused.buffer);
    expect(Buffer.compare(Buffer.from(into.data), Buffer.from(fresh.data))).toBe(0);
  });

  test("a PNG cut inside its stored blocks is refused", async () => {
    const png = await new Bun.Image(await fixtureBytes("grace_hopper.jpg")).png({ compressionLevel: 0 }).bytes();
    expect(() => rgbaFromStoredPng(png.slice(0, png.length / 2))).toThrow(/ends early|bytes of rows/);
  });

  test("a compressed PNG (filtered rows) is refused loudly rather than misread", async () => {
    const compressed = await new Bun.Image(await fixtureBytes("grace_hopper.jpg")).png({ compressionLevel: 6 }).bytes();
    expect(() => rgbaFromStoredPng(compressed)).toThrow(/filter|bit depth/);
  });
});

describe("pngChunksIntact", () => {
  test("true for the fixture, false when cut or when one bit anywhere past the signature flips", async () => {
    const png = await fixtureBytes("astronaut.png");
    expect(pngChunksIntact(png)).toBe(true);
    expect(pngChunksIntact(png.subarray(0, png.length - 1))).toBe(false);
    for (const at of [20, 100, 5000, png.length >> 1, png.length - 3]) {
      const damaged = png.slice();
      damaged[at] ^= 0x04;
      expect([at, pngChunksIntact(damaged)]).toEqual([at, false]);
    }
  });
});
