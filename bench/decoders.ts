/**
 * Which image decoder turns a webcam frame into RGBA fastest, among those that could serve Vigil?
 *   bun bench/decoders.ts
 * Frames: 640x480 JPEG (quality 85), PNG and WebP made in memory from a fixture photo. Median of 40 decodes
 * after 5 warm-ups, one thread. Writes bench/results/decoders.{json,md}. The verdict on each candidate's
 * fitness (workers, single binary, Node) is recorded with the numbers, because speed alone does not decide.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { loadDecoders } from "../src/image/decode";

const here = new URL(".", import.meta.url).pathname;
const source = await Bun.file(new URL("../tests/fixtures/grace_hopper.jpg", import.meta.url)).bytes();
const resized = () => new Bun.Image(source).resize(640, 480, { fit: "fill" });
const frames = {
  jpeg: new Uint8Array(await resized().jpeg({ quality: 85 }).bytes()),
  png: new Uint8Array(await resized().png().bytes()),
  webp: new Uint8Array(await resized().webp({ quality: 85 }).bytes()),
};
type Format = keyof typeof frames;
type Decode = (bytes: Uint8Array) => Promise<{ length: number }> | { length: number };

async function median(decode: Decode, bytes: Uint8Array): Promise<number> {
  for (let i = 0; i < 5; i++) await decode(bytes);
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    const out = await decode(bytes);
    times.push(performance.now() - t);
    if (out.length !== 640 * 480 * 4) throw new Error(`decoded ${out.length} bytes, expected ${640 * 480 * 4}`);
  }
  return times.sort((a, b) => a - b)[20];
}

const squoosh = await loadDecoders();
const candidates: Array<{ name: string; verdict: string; decoders: Partial<Record<Format, () => Promise<Decode>>> }> = [
  {
    name: "@jsquash/* (Squoosh: mozjpeg, libwebp, png crate; WASM)",
    verdict: "chosen: fastest that runs in worker threads, in Node and inside the single binary (its .wasm files are embedded)",
    decoders: Object.fromEntries((["jpeg", "png", "webp"] as const).map((f) => [f, async () => async (b: Uint8Array) => (await squoosh[f](b.slice().buffer)).data])),
  },
  {
    name: "sharp (libvips, native)",
    verdict: "fast, but loads libvips as a separate shared library from its npm package: cannot live inside a bun --compile binary",
    decoders: Object.fromEntries(
      (["jpeg", "png", "webp"] as const).map((f) => [f, async () => {
        const sharp = (await import("sharp")).default;
        return async (b: Uint8Array) => sharp(b).ensureAlpha().raw().toBuffer();
      }]),
    ),
  },
  {
    name: "@napi-rs/canvas (Skia, native)",
    verdict: "slower (decode plus a 2D draw to get pixels) and a 30 MB native addon",
    decoders: Object.fromEntries(
      (["jpeg", "png", "webp"] as const).map((f) => [f, async () => {
        const { createCanvas, Image } = await import("@napi-rs/canvas");
        return (b: Uint8Array) => {
          const image = new Image();
          image.src = Buffer.from(b);
          const context = createCanvas(image.width, image.height).getContext("2d");
          context.drawImage(image, 0, 0);
          return context.getImageData(0, 0, image.width, image.height).data;
        };
      }]),
    ),
  },
  {
    name: "jpeg-js (pure JavaScript)",
    verdict: "portable but the slowest, JPEG only",
    decoders: { jpeg: async () => { const jpeg = (await import("jpeg-js")).default; return (b: Uint8Array) => jpeg.decode(b, { useTArray: true, formatAsRGBA: true }).data; } },
  },
];

const rows: Array<{ candidate: string; verdict: string; ms: Partial<Record<Format, number>> }> = [];
for (const candidate of candidates) {
  const ms: Partial<Record<Format, number>> = {};
  for (const format of Object.keys(frames) as Format[]) {
    const make = candidate.decoders[format];
    if (!make) continue;
    try {
      ms[format] = Number((await median(await make(), frames[format])).toFixed(2));
    } catch (error) {
      console.error(`${candidate.name} ${format}: ${error}`);
    }
  }
  rows.push({ candidate: candidate.name, verdict: candidate.verdict, ms });
}
const header = { date: new Date().toISOString().slice(0, 10), machine: `${cpus().length} x ${cpus()[0]?.model}`, runtime: `Bun ${Bun.version}`, frameBytes: Object.fromEntries(Object.entries(frames).map(([k, v]) => [k, v.length])) };
mkdirSync(here + "results", { recursive: true });
writeFileSync(here + "results/decoders.json", JSON.stringify({ ...header, rows }, null, 2) + "\n");
const fmt = (v?: number) => (v === undefined ? "-" : v.toFixed(2));
const table = rows.map((r) => `| ${r.candidate} | ${fmt(r.ms.jpeg)} | ${fmt(r.ms.png)} | ${fmt(r.ms.webp)} | ${r.verdict} |`).join("\n");
const md = `# Image decoders: 640x480 frame to RGBA\n\n${header.date}, ${header.machine}, ${header.runtime}. Median ms of 40 decodes after warm-up (\`bun bench/decoders.ts\`).\nFrames: JPEG ${header.frameBytes.jpeg} B, PNG ${header.frameBytes.png} B, WebP ${header.frameBytes.webp} B.\n\n| decoder | JPEG | PNG | WebP | verdict |\n| --- | --- | --- | --- | --- |\n${table}\n\nBun's built-in \`Bun.Image\` is used for what it does best here: reading the header (format and declared size, refusing too many pixels before any allocation). It has no raw-pixel output, so it cannot decode for the engine.\n`;
writeFileSync(here + "results/decoders.md", md);
console.log(md);
