/**
 * Encoded image bytes -> RGBA pixels, with the declared size checked first (probe.ts).
 *
 * Decoders: the Squoosh codecs packaged as @jsquash/* (mozjpeg, libwebp, the Rust png crate), compiled to
 * WASM. Chosen by measurement (bench/decoders.ts, bench/results/decoders.md): fastest of the candidates
 * that also run unchanged in Node, in worker threads and inside the single binary (the .wasm files are
 * imported as files, so `bun build --compile` embeds them, and each is compiled once per thread).
 */
import decodeJpeg, { init as initJpeg } from "@jsquash/jpeg/decode.js";
import decodePng, { init as initPng } from "@jsquash/png/decode.js";
import decodeWebp, { init as initWebp } from "@jsquash/webp/decode.js";
import jpegWasmPath from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm" with { type: "file" };
// @ts-ignore Bun's file loader makes this the file's path; the package's own .d.ts describes the WASM exports instead.
import pngWasmPath from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm" with { type: "file" };
import webpWasmPath from "@jsquash/webp/codec/dec/webp_dec.wasm" with { type: "file" };
import { readAsset } from "../../wasm/read-asset";
import { ImageError } from "./image-error";
import { probeImage, type ImageFormat, type ImageLimits } from "./probe";

export interface DecodedImage {
  format: ImageFormat;
  width: number;
  height: number;
  /** Tightly packed RGBA rows, top row first. */
  data: Uint8Array;
}

type PixelDecoder = (buffer: ArrayBuffer) => Promise<{ data: Uint8ClampedArray; width: number; height: number }>;

let decodersReady: Promise<Record<ImageFormat, PixelDecoder>> | undefined;

/**
 * libjpeg reports a truncated file only as a warning ("Premature end of JPEG file") on its error stream and
 * fills the missing rows with grey. For attention analysis a half-grey frame is worse than none, so the
 * warning is caught here and the frame refused. The decode is synchronous, so the flag belongs to one call.
 */
let jpegTruncated = false;
const captureJpegWarning = (message: string) => {
  if (/premature end/i.test(message)) jpegTruncated = true;
};

/** Compiles the three codecs (once per thread). Called at worker start so the first frame does not pay. */
export function loadDecoders(): Promise<Record<ImageFormat, PixelDecoder>> {
  decodersReady ??= (async () => {
    const [jpeg, png, webp] = await Promise.all([jpegWasmPath, pngWasmPath, webpWasmPath].map(async (path) => WebAssembly.compile(await readAsset(path))));
    await Promise.all([initJpeg(jpeg, { print: captureJpegWarning, printErr: captureJpegWarning }), initPng(png), initWebp(webp)]);
    return {
      jpeg: async (buffer) => {
        jpegTruncated = false;
        const image = await decodeJpeg(buffer);
        if (jpegTruncated) throw new Error("truncated JPEG");
        return image;
      },
      png: (buffer) => decodePng(buffer),
      webp: (buffer) => decodeWebp(buffer),
    };
  })();
  return decodersReady;
}

export async function decodeImage(bytes: Uint8Array, limits: ImageLimits): Promise<DecodedImage> {
  const probed = await probeImage(bytes, limits);
  const decoders = await loadDecoders();
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
  let decoded: { data: Uint8ClampedArray; width: number; height: number };
  try {
    decoded = await decoders[probed.format](buffer);
  } catch {
    throw new ImageError("corrupt_image", `the ${probed.format.toUpperCase()} data could not be decoded (truncated or corrupt)`);
  }
  if (decoded.width !== probed.width || decoded.height !== probed.height || decoded.data.length !== decoded.width * decoded.height * 4) {
    throw new ImageError("corrupt_image", `the ${probed.format.toUpperCase()} data does not match its declared ${probed.width}x${probed.height} size`);
  }
  return { format: probed.format, width: decoded.width, height: decoded.height, data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength) };
}
