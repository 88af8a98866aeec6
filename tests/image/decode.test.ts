import { describe, expect, test } from "bun:test";
import { decodeImage } from "../../src/image/decode";
import { downscaleToFit } from "../../src/image/downscale";
import { probeImage } from "../../src/image/probe";
import { fixtureBytes } from "../support/images";

const limits = { maxPixels: 5_000_000, maxSide: 4096 };
const meanLuma = (d: Uint8Array) => {
  let s = 0;
  for (let i = 0; i < d.length; i += 4) s += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  return s / (d.length / 4);
};

describe("decodeImage", () => {
  test("JPEG, PNG and WebP fixtures decode to RGBA of their size, with the same picture", async () => {
    const jpeg = await decodeImage(await fixtureBytes("grace_hopper.jpg"), limits);
    expect(jpeg).toMatchObject({ format: "jpeg", width: 512, height: 600 });
    expect(jpeg.data.length).toBe(512 * 600 * 4);
    const png = await decodeImage(await fixtureBytes("astronaut.png"), limits);
    expect(png).toMatchObject({ format: "png", width: 512, height: 512 });
    const webpBytes = new Uint8Array(await new Bun.Image(await fixtureBytes("grace_hopper.jpg")).webp({ quality: 95 }).bytes());
    const webp = await decodeImage(webpBytes, limits);
    expect(webp).toMatchObject({ format: "webp", width: 512, height: 600 });
    // Same photo through two codecs: the same brightness within a little compression noise.
    expect(Math.abs(meanLuma(webp.data) - meanLuma(jpeg.data))).toBeLessThan(3);
    expect(jpeg.data[3]).toBe(255);
  });

  test("truncated files of every format are corrupt_image, and the decoder still works afterwards", async () => {
    const files = { jpeg: await fixtureBytes("grace_hopper.jpg"), png: await fixtureBytes("astronaut.png") };
    for (const bytes of Object.values(files)) {
      for (const fraction of [0.9, 0.5, 0.05]) {
        const error = await decodeImage(bytes.slice(0, Math.floor(bytes.length * fraction)), limits).catch((e) => e);
        expect(error.code).toBe("corrupt_image");
      }
    }
    expect((await decodeImage(files.jpeg, limits)).width).toBe(512);
  });

  test("random bytes are not an image; nothing at all is empty", async () => {
    const random = crypto.getRandomValues(new Uint8Array(4096));
    random[0] = 0; // no accidental magic number
    expect((await decodeImage(random, limits).catch((e) => e)).code).toBe("unsupported_media_type");
    expect((await decodeImage(new Uint8Array(0), limits).catch((e) => e)).code).toBe("empty_image");
  });

  test("GIF is recognised but refused as unsupported", async () => {
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x21, 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b]);
    expect((await decodeImage(gif, limits).catch((e) => e)).code).toBe("unsupported_media_type");
  });
});

describe("probeImage refuses oversized declarations before decoding", () => {
  const pngHeader = (w: number, h: number) => {
    const b = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 0, 0, 0, 0, 0, 8, 6, 0, 0, 0, 0, 0, 0, 0]);
    new DataView(b.buffer).setUint32(16, w);
    new DataView(b.buffer).setUint32(20, h);
    return b;
  };
  test("100 megapixels declared in 33 bytes: image_too_large", async () => {
    expect((await probeImage(pngHeader(10_000, 10_000), limits).catch((e) => e)).code).toBe("image_too_large");
  });
  test("a side over the limit: image_too_large", async () => {
    expect((await probeImage(pngHeader(5000, 10), limits).catch((e) => e)).code).toBe("image_too_large");
  });
  test("a real file's declared size", async () => {
    expect(await probeImage(await fixtureBytes("fruits.jpg"), limits)).toEqual({ format: "jpeg", width: 512, height: 480 });
  });
});

describe("downscaleToFit", () => {
  test("leaves small frames alone and averages large ones down to the limit", async () => {
    const frame = await decodeImage(await fixtureBytes("grace_hopper.jpg"), limits);
    expect(downscaleToFit(frame, 1280)).toBe(frame);
    const half = downscaleToFit(frame, 300);
    expect([half.width, half.height]).toEqual([256, 300]);
    expect(Math.abs(meanLuma(half.data) - meanLuma(frame.data))).toBeLessThan(1);
  });
});
