import { describe, expect, test } from "bun:test";
import { decodeImage, loadDecoders } from "../../src/image/decode";
import { downscaleToFit } from "../../src/image/downscale";
import { ImageError } from "../../src/image/image-error";
import { fixtureBytes } from "../support/images";

const limits = { maxPixels: 5_000_000, maxSide: 4096 };

const meanLuma = (d: Uint8Array) => {
  let s = 0;
  for (let i = 0; i < d.length; i += 4) s += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  return s / (d.length / 4);
};

/** The WebP the tests use: astronaut.png re-encoded in memory (quality 90). */
const astronautWebp = async () => new Bun.Image(await fixtureBytes("astronaut.png")).webp({ quality: 90 }).bytes();

/** Deterministic pseudo-random numbers, so a failing damaged copy can be made again. */
function seeded(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe("decodeImage", () => {
  // Mean brightness (Rec. 601 luma) measured once with this decoder; the ranges allow another libjpeg's rounding.
  test.each([
    ["grace_hopper.jpg", "jpeg", 512, 600, 75, 79],
    ["astronaut.png", "png", 512, 512, 114, 117],
    ["fruits.jpg", "jpeg", 512, 480, 87, 91],
    ["baboon.jpg", "jpeg", 512, 512, 128, 132],
    ["messi5.jpg", "jpeg", 548, 342, 82, 85],
  ] as const)("%s decodes to %s RGBA of %ix%i with its brightness", async (name, format, width, height, low, high) => {
    const image = await decodeImage(await fixtureBytes(name), limits);
    expect(image).toMatchObject({ format, width, height, sourceWidth: width, sourceHeight: height });
    expect(image.data.length).toBe(width * height * 4);
    expect(meanLuma(image.data)).toBeGreaterThan(low);
    expect(meanLuma(image.data)).toBeLessThan(high);
    // Opaque photos: every alpha byte is 255.
    expect(image.data.filter((_, i) => i % 4 === 3 && image.data[i] !== 255).length).toBe(0);
  });

  test("a WebP made from the PNG decodes to the same picture", async () => {
    const png = await decodeImage(await fixtureBytes("astronaut.png"), limits);
    const webp = await decodeImage(await astronautWebp(), limits);
    expect(webp).toMatchObject({ format: "webp", width: 512, height: 512 });
    expect(Math.abs(meanLuma(webp.data) - meanLuma(png.data))).toBeLessThan(1.5);
    // Pixel by pixel the lossy copy stays close: mean absolute difference of a few levels.
    let diff = 0;
    for (let i = 0; i < png.data.length; i++) diff += Math.abs(png.data[i] - webp.data[i]);
    expect(diff / png.data.length).toBeLessThan(6);
  });

  test("the picture is not mirrored or shifted: Grace Hopper's dark uniform is at the bottom, the light face above it", async () => {
    const { data, width, height } = await decodeImage(await fixtureBytes("grace_hopper.jpg"), limits);
    const rowLuma = (y0: number, y1: number) => meanLuma(data.subarray(y0 * width * 4, y1 * width * 4));
    expect(rowLuma(height - 100, height)).toBeLessThan(50);
    expect(rowLuma(150, 250)).toBeGreaterThan(rowLuma(height - 100, height) + 40);
  });

  test("fitWithin scales a large frame down inside the decoder, keeping the aspect and the picture", async () => {
    const full = await decodeImage(await fixtureBytes("grace_hopper.jpg"), limits);
    const small = await decodeImage(await fixtureBytes("grace_hopper.jpg"), limits, { fitWithin: 300 });
    expect(small).toMatchObject({ width: 256, height: 300, sourceWidth: 512, sourceHeight: 600 });
    expect(small.data.length).toBe(256 * 300 * 4);
    expect(Math.abs(meanLuma(small.data) - meanLuma(full.data))).toBeLessThan(1.5);
    // Never up: a frame already within the bound comes back at its own size.
    expect(await decodeImage(await fixtureBytes("grace_hopper.jpg"), limits, { fitWithin: 1280 })).toMatchObject({
      width: 512,
      height: 600,
    });
  });

  test("downscaleToFit (for frames already decoded) agrees with scaling in the decoder", async () => {
    const full = await decodeImage(await fixtureBytes("grace_hopper.jpg"), limits);
    expect(downscaleToFit(full, 1280)).toBe(full);
    const half = downscaleToFit(full, 300);
    expect([half.width, half.height]).toEqual([256, 300]);
    expect(Math.abs(meanLuma(half.data) - meanLuma(full.data))).toBeLessThan(1);
  });

  test("decodes in a worker thread to the same pixels", async () => {
    const module = new URL("../../src/image/decode.ts", import.meta.url).pathname;
    const source = `import { decodeImage } from ${JSON.stringify(module)};
      self.onmessage = async (e) => { const d = await decodeImage(e.data, { maxPixels: 5e6 }); postMessage({ width: d.width, height: d.height, data: d.data }); };`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "application/javascript" })));
    try {
      const bytes = await fixtureBytes("grace_hopper.jpg");
      const fromWorker = await new Promise<{ width: number; data: Uint8Array }>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(e);
        worker.postMessage(bytes);
      });
      const here = await decodeImage(bytes, limits);
      expect(fromWorker.width).toBe(512);
      expect(Buffer.compare(Buffer.from(fromWorker.data), Buffer.from(here.data))).toBe(0);
    } finally {
      worker.terminate();
    }
  });

  test("loadDecoders warms up and still returns per-format decoders (the engine-stages bench uses them)", async () => {
    const decoders = await loadDecoders();
    const bytes = await fixtureBytes("fruits.jpg");
    const image = await decoders.jpeg(bytes.slice().buffer);
    expect([image.width, image.height, image.data.length]).toEqual([512, 480, 512 * 480 * 4]);
  });
});

describe("damaged input is refused with a typed error, never a crash or a hang", () => {
  const files = async () => ({
    jpeg: await fixtureBytes("grace_hopper.jpg"),
    png: await fixtureBytes("astronaut.png"),
    webp: await astronautWebp(),
  });

  test.each([0.99, 0.9, 0.5, 0.2, 0.02])("every format cut to %p of its length is corrupt_image", async (fraction) => {
    for (const [format, bytes] of Object.entries(await files())) {
      const error = await errorOf(decodeImage(bytes.slice(0, Math.floor(bytes.length * fraction)), limits));
      expect([format, error instanceof ImageError && error.code]).toEqual([format, "corrupt_image"]);
    }
  });

  test("a PNG with any bit flipped is corrupt_image (its checksums catch every one)", async () => {
    const png = await fixtureBytes("astronaut.png");
    const random = seeded(7);
    for (let copy = 0; copy < 30; copy++) {
      const damaged = png.slice();
      const at = 16 + Math.floor(random() * (png.length - 16)); // past the signature and IHDR's length/type
      damaged[at] ^= 1 << Math.floor(random() * 8);
      const error = await errorOf(decodeImage(damaged, limits));
      expect([at, error instanceof ImageError && error.code]).toEqual([at, "corrupt_image"]);
    }
  });

  test("JPEG and WebP with flipped bits either decode at their declared size or are corrupt_image", async () => {
    // These formats have no checksum over the compressed data: some damage decodes into a slightly wrong
    // picture, as it would in any viewer. What must hold is no crash, no hang, no other kind of error.
    const { jpeg, webp } = await files();
    const random = seeded(11);
    const outcomes = new Map<string, number>();
    for (const bytes of [jpeg, webp]) {
      for (let copy = 0; copy < 40; copy++) {
        const damaged = bytes.slice();
        for (let flip = 0; flip < 8; flip++)
          damaged[16 + Math.floor(random() * (bytes.length - 16))] ^= 1 << Math.floor(random() * 8);
        const outcome = await decodeImage(damaged, limits).then(
          (image) =>
            image.data.length === image.width * image.height * 4 && image.width === 512 ? "decoded" : "wrong size",
          (error: unknown) => (error instanceof ImageError ? error.code : `untyped: ${error}`),
        );
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    }
    expect([...outcomes.keys()].filter((k) => k !== "decoded" && k !== "corrupt_image")).toEqual([]);
    expect(outcomes.get("corrupt_image") ?? 0).toBeGreaterThan(0); // the codecs do notice some of it
  });

  test("random bytes are not an image; nothing at all is empty", async () => {
    const random = seeded(3);
    const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256));
    noise[0] = 0; // no accidental magic number
    expect(((await errorOf(decodeImage(noise, limits))) as ImageError).code).toBe("unsupported_media_type");
    expect(((await errorOf(decodeImage(new Uint8Array(0), limits))) as ImageError).code).toBe("empty_image");
  });

  test("GIF and BMP are recognised but refused as unsupported", async () => {
    const gif = new Uint8Array([
      0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x21, 0xf9, 4, 1, 0, 0, 0, 0,
      0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
    ]);
    expect(((await errorOf(decodeImage(gif, limits))) as ImageError).code).toBe("unsupported_media_type");
    // A 1x1 24-bit BMP: 14-byte file header, 40-byte info header, one padded pixel row.
    const bmp = new Uint8Array(58);
    const v = new DataView(bmp.buffer);
    bmp.set([0x42, 0x4d]);
    v.setUint32(2, 58, true);
    v.setUint32(10, 54, true);
    v.setUint32(14, 40, true);
    v.setInt32(18, 1, true);
    v.setInt32(22, 1, true);
    v.setUint16(26, 1, true);
    v.setUint16(28, 24, true);
    expect(((await errorOf(decodeImage(bmp, limits))) as ImageError).code).toBe("unsupported_media_type");
  });

  test("after all that damage the decoder still decodes a good frame", async () => {
    expect((await decodeImage(await fixtureBytes("fruits.jpg"), limits)).width).toBe(512);
  });
});
