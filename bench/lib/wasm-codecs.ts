/**
 * The Squoosh codecs packaged as @jsquash/* (mozjpeg, libwebp, the Rust png crate), compiled to WASM.
 *
 * Not Vigil's decoder (that is Bun.Image, src/image/decode.ts; bench/results/decoders.md). The benches use
 * them where Bun.Image does not exist (the engine-stages bench's Node 20 run) and as the decoders compared.
 * The .wasm files are imported as files, so bundles and `bun build --compile` carry them; each is compiled
 * once per thread.
 */
import decodeJpeg, { init as initJpeg } from "@jsquash/jpeg/decode.js";
import decodePng, { init as initPng } from "@jsquash/png/decode.js";
import decodeWebp, { init as initWebp } from "@jsquash/webp/decode.js";
import jpegWasmPath from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm" with { type: "file" };
// @ts-expect-error Bun's file loader makes this the file's path; the package's own .d.ts describes the WASM exports.
import pngWasmPath from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm" with { type: "file" };
import webpWasmPath from "@jsquash/webp/codec/dec/webp_dec.wasm" with { type: "file" };
import type { FormatDecoder } from "../../src/image/decode";
import type { ImageFormat } from "../../src/image/probe";
import { readAsset } from "../../wasm/read-asset";

let codecsReady: Promise<Record<ImageFormat, FormatDecoder>> | undefined;

/**
 * libjpeg reports a truncated file only as a warning ("Premature end of JPEG file") on its error stream and
 * fills the missing rows with grey. A half-grey frame is worse than none, so the warning is caught and the
 * frame refused. The decode is synchronous, so the flag belongs to one call.
 */
let jpegTruncated = false;
const captureJpegWarning = (message: string) => {
  if (/premature end/i.test(message)) jpegTruncated = true;
};

export function loadWasmCodecs(): Promise<Record<ImageFormat, FormatDecoder>> {
  codecsReady ??= (async () => {
    const [jpeg, png, webp] = await Promise.all(
      [jpegWasmPath, pngWasmPath, webpWasmPath].map(async (path) => WebAssembly.compile(await readAsset(path))),
    );
    await Promise.all([
      initJpeg(jpeg, { print: captureJpegWarning, printErr: captureJpegWarning }),
      initPng(png),
      initWebp(webp),
    ]);
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
  return codecsReady;
}
