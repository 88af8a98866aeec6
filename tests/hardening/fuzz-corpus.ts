/**
 * Hostile inputs for the analyze endpoint, generated deterministically (seeded) from the fixture photos:
 * random bytes; JPEG, PNG and WebP files truncated, bit-flipped, or declaring absurd sizes; empty bodies;
 * huge but valid images; wrong content types; malformed multipart bodies. `fuzzCorpus(n)` returns n cases.
 */
import { encodePng } from "../../bench/lib/png";
import { fixtureBytes } from "../support/images";
import { seededRandom } from "../../bench/lib/seeded-random";

export interface FuzzCase {
  kind: string;
  contentType: string | null;
  body: Uint8Array<ArrayBuffer>;
}

const bytes = (n: number, next: () => number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256));

/** Writes width/height into the header of a PNG (IHDR), JPEG (SOFn) or WebP (VP8/VP8L/VP8X) copy. */
function declareSize(file: Uint8Array<ArrayBuffer>, width: number, height: number): Uint8Array<ArrayBuffer> {
  const out = file.slice();
  const view = new DataView(out.buffer);
  if (out[0] === 0x89) {
    view.setUint32(16, width);
    view.setUint32(20, height);
  } else if (out[0] === 0xff) {
    for (let i = 2; i < out.length - 9; i++) {
      if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
        view.setUint16(i + 5, Math.min(height, 65535));
        view.setUint16(i + 7, Math.min(width, 65535));
        break;
      }
    }
  } else if (out[8] === 0x57) {
    // VP8X canvas size (24-bit, minus one) at 24..29 when present; else VP8 frame size at 26..29.
    if (out[15] === 0x58) {
      view.setUint16(24, (width - 1) & 0xffff, true);
      out[26] = ((width - 1) >> 16) & 0xff;
      view.setUint16(27, (height - 1) & 0xffff, true);
      out[29] = ((height - 1) >> 16) & 0xff;
    } else {
      view.setUint16(26, width & 0x3fff, true);
      view.setUint16(28, height & 0x3fff, true);
    }
  }
  return out;
}

function multipart(boundary: string, parts: string[], tail = `--${boundary}--\r\n`): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(
    parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("") + tail,
  ) as Uint8Array<ArrayBuffer>;
}

export async function fuzzCorpus(count: number, seed = 20261125): Promise<FuzzCase[]> {
  const next = seededRandom(seed);
  const jpeg = await fixtureBytes("grace_hopper.jpg");
  const png = await fixtureBytes("astronaut.png");
  const webp = new Uint8Array(await new Bun.Image(jpeg).webp({ quality: 80 }).bytes());
  const valid = [
    { type: "image/jpeg", body: jpeg },
    { type: "image/png", body: png },
    { type: "image/webp", body: webp },
  ];
  const hugeValid = encodePng({ data: new Uint8Array(3000 * 2500 * 4).fill(90), width: 3000, height: 2500 });
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const makers: Array<() => FuzzCase> = [
    () => ({
      kind: "random bytes",
      contentType: pick(["image/jpeg", "image/png", "image/webp"]),
      body: bytes(Math.floor(next() * 4096), next),
    }),
    () => {
      const file = pick(valid);
      return {
        kind: "truncated",
        contentType: file.type,
        body: file.body.slice(0, Math.floor(next() * file.body.length)),
      };
    },
    () => {
      const file = pick(valid);
      const body = file.body.slice();
      for (let k = 1 + Math.floor(next() * 20); k > 0; k--)
        body[Math.floor(next() * body.length)] ^= 1 << Math.floor(next() * 8);
      return { kind: "bit-flipped", contentType: file.type, body };
    },
    () => {
      const file = pick(valid);
      const sizes = [
        [100_000, 100_000],
        [65_535, 65_535],
        [1, 50_000],
        [0, 0],
        [16_383, 16_383],
        [12_000, 9_000],
      ];
      const [w, h] = pick(sizes);
      return { kind: "absurd declared size", contentType: file.type, body: declareSize(file.body, w, h) };
    },
    () => ({
      kind: "empty",
      contentType: pick(["image/jpeg", "image/png", "multipart/form-data; boundary=x"]),
      body: new Uint8Array(0),
    }),
    () => ({
      kind: "wrong content type",
      contentType: pick([
        "text/plain",
        "application/json",
        "image/gif",
        "application/octet-stream",
        "video/mp4",
        "image/jpeg; charset=utf-8",
      ]),
      body: pick(valid).body,
    }),
    () => ({ kind: "no content type", contentType: null, body: pick(valid).body.slice(0, 2048) }),
    () => {
      const boundary = "vigil" + Math.floor(next() * 1e9);
      const variants = [
        multipart(boundary, [`Content-Disposition: form-data; name="image"\r\n\r\nnot a file at all`]),
        multipart(
          boundary,
          [
            `Content-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n${"x".repeat(100)}`,
          ],
          "",
        ),
        multipart(boundary, [`garbage without headers`]),
        new TextEncoder().encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n`,
        ) as Uint8Array<ArrayBuffer>,
        bytes(512, next),
      ];
      return {
        kind: "malformed multipart",
        contentType: `multipart/form-data; boundary=${pick([boundary, "other", ""])}`,
        body: pick(variants),
      };
    },
  ];
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) cases.push(pick(makers)());
  // A few huge but valid frames (7.5 MP: inside the limits, decoded in full, then scaled down).
  for (let i = 0; i < 3; i++)
    cases.splice(Math.floor(next() * cases.length), 0, {
      kind: "huge but valid",
      contentType: "image/png",
      body: hugeValid,
    });
  return cases;
}
