/**
 * Format and declared size of an encoded image, read from its header only.
 *
 * Uses Bun's built-in image pipeline (`Bun.Image#metadata`, libjpeg-turbo/spng/libwebp headers) rather than a
 * hand-written parser or a package such as image-size: it is the same code that decodes the frame afterwards,
 * so probe and decoder can never disagree about a header. With `maxPixels` it refuses a too-large canvas
 * before any pixel buffer exists, so a small file that claims 100 megapixels (a decompression bomb) costs
 * nothing (tests/image/probe.test.ts measures that).
 */
import { ImageError } from "./image-error";

export type ImageFormat = "jpeg" | "png" | "webp";

export interface ImageLimits {
  /** Largest width x height accepted. */
  maxPixels: number;
  /** Largest width or height accepted; no limit on a side when absent (maxPixels still holds). */
  maxSide?: number;
}

export interface ProbedImage {
  format: ImageFormat;
  width: number;
  height: number;
}

const ACCEPTED: ReadonlySet<string> = new Set(["jpeg", "png", "webp"]);

export async function probeImage(bytes: Uint8Array, limits: ImageLimits): Promise<ProbedImage> {
  if (bytes.byteLength === 0) throw new ImageError("empty_image", "the image has no bytes");
  let metadata: { width: number; height: number; format: string };
  try {
    metadata = await new Bun.Image(bytes, { maxPixels: limits.maxPixels }).metadata();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_IMAGE_TOO_MANY_PIXELS")
      throw new ImageError("image_too_large", `the image declares more than ${limits.maxPixels} pixels`);
    if (code === "ERR_IMAGE_UNKNOWN_FORMAT" || code === "ERR_IMAGE_FORMAT_UNSUPPORTED") {
      throw new ImageError("unsupported_media_type", "the bytes are not a JPEG, PNG or WebP image");
    }
    throw new ImageError("corrupt_image", "the image header could not be read (truncated or corrupt)");
  }
  if (!ACCEPTED.has(metadata.format)) {
    throw new ImageError(
      "unsupported_media_type",
      `${metadata.format.toUpperCase()} is not accepted; send JPEG, PNG or WebP`,
    );
  }
  const { width, height } = metadata;
  if (!(width > 0 && height > 0)) throw new ImageError("corrupt_image", `the image declares a ${width}x${height} size`);
  if (limits.maxSide !== undefined && (width > limits.maxSide || height > limits.maxSide)) {
    throw new ImageError(
      "image_too_large",
      `the image declares ${width}x${height}, more than ${limits.maxSide} pixels on a side`,
    );
  }
  return { format: metadata.format as ImageFormat, width, height };
}
