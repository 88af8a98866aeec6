/**
 * The benchmark's webcam frames: 640x480 JPEGs made from the fixture photos, as the extension sends them.
 * A 4:3 band is cut around the subject (no stretching), then scaled to 640x480 and encoded at quality 85.
 */
import { decodeImage } from "../../src/image/decode";
import { encodePng } from "./png";

const fixtures = new URL("../../tests/fixtures/", import.meta.url);

async function webcamFrame(photo: string, bandTop: number): Promise<Uint8Array<ArrayBuffer>> {
  const image = await decodeImage(await Bun.file(new URL(photo, fixtures)).bytes(), {
    maxPixels: 1e8,
    maxSide: 20_000,
  });
  const bandHeight = Math.round((image.width * 3) / 4);
  const top = Math.min(bandTop, image.height - bandHeight);
  const band = {
    data: image.data.subarray(top * image.width * 4, (top + bandHeight) * image.width * 4),
    width: image.width,
    height: bandHeight,
  };
  return new Uint8Array(
    await new Bun.Image(encodePng(band)).resize(640, 480, { fit: "fill" }).jpeg({ quality: 85 }).bytes(),
  );
}

/** A person at the desk (Grace Hopper's portrait) and an empty desk (fruit, no person). */
export async function benchFrames() {
  return { person: await webcamFrame("grace_hopper.jpg", 100), empty: await webcamFrame("fruits.jpg", 48) };
}
