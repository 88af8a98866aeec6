import { describe, expect, test } from "bun:test";
import { decodeImage } from "../../src/image/decode";
import { ImageError } from "../../src/image/image-error";
import { probeImage } from "../../src/image/probe";
import { fixtureBytes } from "../support/images";

const limits = { maxPixels: 5_000_000, maxSide: 4096 };
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

/** A PNG signature and IHDR chunk declaring width x height (RGBA, 8 bits), with a correct CRC; no pixels. */
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(33);
  const view = new DataView(bytes.buffer);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 6, 0, 0, 0], 24);
  view.setUint32(29, Bun.hash.crc32(bytes.subarray(12, 29)));
  return bytes;
}

/** A real JPEG whose frame header (SOF0) is rewritten to declare width x height; the scan stays 512x600's. */
async function jpegDeclaring(width: number, height: number): Promise<Uint8Array> {
  const jpeg = await fixtureBytes("grace_hopper.jpg");
  for (let i = 2; i < jpeg.length; ) {
    const marker = jpeg[i + 1];
    const length = (jpeg[i + 2] << 8) | jpeg[i + 3];
    if (marker === 0xc0) {
      const view = new DataView(jpeg.buffer, jpeg.byteOffset);
      view.setUint16(i + 5, height);
      view.setUint16(i + 7, width);
      return jpeg;
    }
    i += 2 + length;
  }
  throw new Error("grace_hopper.jpg has no baseline frame header");
}

describe("probeImage", () => {
  test.each([
    ["astronaut.png", "png", 512, 512],
    ["grace_hopper.jpg", "jpeg", 512, 600],
    ["fruits.jpg", "jpeg", 512, 480],
    ["messi5.jpg", "jpeg", 548, 342],
    ["baboon.jpg", "jpeg", 512, 512],
  ] as const)("%s declares %s %ix%i", async (name, format, width, height) => {
    expect(await probeImage(await fixtureBytes(name), limits)).toEqual({ format, width, height });
  });

  test("a WebP's declared size", async () => {
    const webp = await new Bun.Image(await fixtureBytes("fruits.jpg")).webp().bytes();
    expect(await probeImage(webp, limits)).toEqual({ format: "webp", width: 512, height: 480 });
  });

  test("reads the header only: a 33-byte PNG header with no pixels at all probes fine", async () => {
    expect(await probeImage(pngHeader(640, 480), limits)).toEqual({ format: "png", width: 640, height: 480 });
  });

  test("without maxSide only the pixel count limits", async () => {
    expect(await probeImage(pngHeader(8000, 10), { maxPixels: 100_000 })).toEqual({
      format: "png",
      width: 8000,
      height: 10,
    });
  });
});

describe("a decompression bomb is refused from its header, before any pixel buffer exists", () => {
  // 20000 x 20000 RGBA would be 1.6 GB. A refusal that came after decoding would be corrupt_image (these files
  // hold no such pixels); image_too_large shows it came from the header.
  test("PNG header claiming 20000x20000: image_too_large, from probe and from decode", async () => {
    const bomb = pngHeader(20_000, 20_000);
    const probed = await errorOf(probeImage(bomb, limits));
    const decoded = await errorOf(decodeImage(bomb, limits));
    expect([probed instanceof ImageError && probed.code, decoded instanceof ImageError && decoded.code]).toEqual([
      "image_too_large",
      "image_too_large",
    ]);
  });

  test("JPEG claiming 20000x20000: image_too_large, and memory does not grow by the 1.6 GB it claims", async () => {
    const bomb = await jpegDeclaring(20_000, 20_000);
    expect(await probeImage(bomb, { maxPixels: 1e9 })).toMatchObject({ width: 20_000, height: 20_000 });
    const rssBefore = process.memoryUsage().rss;
    const error = await errorOf(decodeImage(bomb, limits));
    expect(error instanceof ImageError && error.code).toBe("image_too_large");
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 2 ** 20);
  });

  test("within the pixel count but over the side limit: image_too_large", async () => {
    const error = await errorOf(probeImage(pngHeader(5000, 10), limits));
    expect(error instanceof ImageError && error.code).toBe("image_too_large");
  });

  test("a zero-sized declaration is corrupt, not an empty request", async () => {
    const error = await errorOf(probeImage(pngHeader(0, 480), limits));
    expect(error instanceof ImageError && error.code).toBe("corrupt_image");
  });
});
