/**
 * Encoded image bytes -> RGBA pixels, with the declared size checked first (probe.ts).
 *
 * Decoder: Bun's built-in `Bun.Image` (libjpeg-turbo, spng, libwebp, statically linked into Bun), chosen by
 * measurement (bench/experiments/decoders.ts, bench/results/decoders.md): the fastest candidate for JPEG, PNG and WebP,
 * nothing to install, works in worker threads and inside the single binary, decodes off the JS thread,
 * frees its memory after each frame (a WASM heap only grows), and scales large JPEGs down while decoding.
 * It has no raw-pixel output, so it writes an uncompressed PNG that stored-png.ts unwraps.
 * In a worker, by CPU time, a 640x480 JPEG costs Bun.Image 2.4-3.1 ms (on its thread pool) against 5.9-6.2 ms
 * for WASM mozjpeg in the same thread (measured: bench/results/decode-cost.md). Asking it for half size does
 * not help a frame this small (it resamples after decoding).
 *
 * Damage: a truncated file of any format, and any damaged PNG (checksums), is refused as corrupt_image. JPEG
 * and lossy WebP carry no checksum over their compressed data, so a flipped bit there is refused only when
 * the codec notices; otherwise the frame decodes, a little wrong, at its declared size. Never a crash or hang.
 */
import { ImageError } from "./image-error";
import { probeImage, type ImageFormat, type ImageLimits } from "./probe";
import { pngChunksIntact } from "./png-checksums";
import { rgbaFromStoredPng, type PixelSink } from "./stored-png";

export interface DecodedImage {
  format: ImageFormat;
  /** Size of `data`: the declared size, or smaller when `fitWithin` scaled it down. */
  width: number;
  height: number;
  /** Tightly packed RGBA rows, top row first. */
  data: Uint8Array;
  /** The size the file declares, before any scaling. Bun.Image applies a JPEG's EXIF orientation, and its
   * metadata reports the size after it, so this is the size of the picture as a person sees it. */
  sourceWidth: number;
  sourceHeight: number;
}

export interface DecodeOptions {
  /**
   * Scale down (never up) so the long side is at most this, inside the decoder: a JPEG is then decoded at
   * 1/2, 1/4 or 1/8 scale straight from its DCT, so a 12-megapixel photo never exists at full size
   * (4000x3000 to 1280: 31 ms instead of 395 ms). Aspect ratio is kept.
   */
  fitWithin?: number;
  /**
   * Where the pixels go: by default a new array per call; a worker passes its FrameBuffer's `take`, so the
   * frame lands in the same memory every time (the caller must be done with the previous frame's pixels).
   */
  output?: PixelSink;
}

/**
 * libjpeg-turbo decodes a truncated JPEG with only a warning and fills the missing blocks with grey, and
 * Bun.Image then succeeds (its documentation says so). A half-grey frame is worse than none, so a JPEG must
 * be complete: its end marker (FF D9) must come after its last scan header (FF DA). Inside compressed data
 * an FF byte is always followed by 00 or a restart code, so scanning back from the end, the first of the two
 * markers met tells which came last. Usually the file's final two bytes answer it.
 */
function jpegIsComplete(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 2; i >= 0; i--) {
    if (bytes[i] !== 0xff) continue;
    if (bytes[i + 1] === 0xd9) return true;
    if (bytes[i + 1] === 0xda) return false;
  }
  return false;
}

export async function decodeImage(
  bytes: Uint8Array,
  limits: ImageLimits,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const declared = await probeImage(bytes, limits);
  const what = declared.format.toUpperCase();
  if (declared.format === "jpeg" && !jpegIsComplete(bytes))
    throw new ImageError("corrupt_image", "the JPEG data ends before its last scan does (truncated)");
  if (declared.format === "png" && !pngChunksIntact(bytes))
    throw new ImageError("corrupt_image", "the PNG is truncated or a chunk's checksum does not match (damaged)");
  // maxPixels again here: the decoder refuses by itself too, whatever the probe said.
  const pipeline = new Bun.Image(bytes, { maxPixels: limits.maxPixels });
  const fit = options.fitWithin ?? Infinity;
  const scaled = Math.max(declared.width, declared.height) > fit;
  if (scaled) pipeline.resize(fit, fit, { fit: "inside" });
  let pixels: ReturnType<typeof rgbaFromStoredPng>;
  try {
    pixels = rgbaFromStoredPng(await pipeline.png({ compressionLevel: 0 }).bytes(), options.output);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_IMAGE_TOO_MANY_PIXELS")
      throw new ImageError("image_too_large", `the image declares more than ${limits.maxPixels} pixels`);
    if (code?.startsWith("ERR_IMAGE"))
      throw new ImageError("corrupt_image", `the ${what} data could not be decoded (truncated or corrupt)`);
    throw error; // not the file's fault: Bun's PNG output changed (stored-png.ts), a bug to see, not a 422
  }
  const expected = scaled
    ? Math.max(pixels.width, pixels.height) <= fit
    : pixels.width === declared.width && pixels.height === declared.height;
  if (!expected)
    throw new ImageError(
      "corrupt_image",
      `the ${what} data does not match its declared ${declared.width}x${declared.height} size`,
    );
  return { format: declared.format, ...pixels, sourceWidth: declared.width, sourceHeight: declared.height };
}

/** A per-format decoder of loadDecoders: encoded bytes in, RGBA rows out, without decodeImage's checks. */
export type FormatDecoder = (
  buffer: ArrayBuffer,
) => Promise<{ data: Uint8ClampedArray | Uint8Array; width: number; height: number }>;

/** A 1x1 PNG, decoded once to start Bun.Image's codec threads before the first real frame. */
const ONE_PIXEL_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
let warmedUp: Promise<void> | undefined;

/**
 * Per-format decoders returning RGBA, for callers that decode without the checks of decodeImage (the
 * engine-stages bench). Awaiting this also warms the decoder up, which is why the frame analyser calls it at
 * thread start.
 */
export async function loadDecoders(): Promise<Record<ImageFormat, FormatDecoder>> {
  warmedUp ??= new Bun.Image(Buffer.from(ONE_PIXEL_PNG, "base64"))
    .png({ compressionLevel: 0 })
    .bytes()
    .then(() => undefined);
  await warmedUp;
  const decode: FormatDecoder = async (buffer) =>
    rgbaFromStoredPng(await new Bun.Image(buffer).png({ compressionLevel: 0 }).bytes());
  return { jpeg: decode, png: decode, webp: decode };
}
