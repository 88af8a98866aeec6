/**
 * Which decoder should turn a webcam frame into RGBA pixels for the engine?   npx bun bench/experiments/decoders.ts
 *
 * Frames: 640x480 JPEG (quality 85), PNG and WebP (quality 85) made in memory from tests/fixtures/grace_hopper.jpg
 * by Bun.Image; nothing is written to disk but the results and a temporary compiled binary. Each candidate is
 * measured in a fresh process of its own (so first-call cost and memory are its alone):
 *   - firstMs: from importing the library to the first JPEG decoded (what a new worker thread pays once);
 *   - median ms of 40 decodes per format after 5 warm-ups, and the RSS growth after them;
 *   - whether it decodes in a worker thread (node:worker_threads) to the same pixels as the main thread;
 *   - whether it decodes inside a `bun build --compile` binary of this file, run from an empty temp folder.
 * Writes bench/results/decoders.{json,md}. The machine is shared with other work: the load average is recorded.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { decodeImage } from "../../src/image/decode";
import { loadWasmCodecs } from "../lib/wasm-codecs";
// Imported as a file so that the compiled binary carries it (its embedded file system, not the disk).
// @ts-expect-error Bun's file loader makes this the path; types/assets.d.ts declares no *.jpg module.
import photoPath from "../../tests/fixtures/grace_hopper.jpg" with { type: "file" };
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

type Format = "jpeg" | "png" | "webp";
const FORMATS: Format[] = ["jpeg", "png", "webp"];
type Decode = (bytes: Uint8Array) => Promise<Uint8Array | Uint8ClampedArray> | Uint8Array | Uint8ClampedArray;

interface Candidate {
  label: string;
  formats: Format[];
  /** Imports and initialises the library; returns one decoder per format. */
  load: () => Promise<Partial<Record<Format, Decode>>>;
}

const LIMITS = { maxPixels: 50_000_000 };

// Every import is dynamic and inside load(), so a candidate's cost is paid only in its own process.
const CANDIDATES: Record<string, Candidate> = {
  "bun-image": {
    label: "Bun.Image (built in: libjpeg-turbo, spng, libwebp) via src/image/decode.ts",
    formats: FORMATS,
    load: async () => {
      const decode = async (b: Uint8Array) => (await decodeImage(b, LIMITS)).data;
      return { jpeg: decode, png: decode, webp: decode };
    },
  },
  jsquash: {
    label: "@jsquash/jpeg, png, webp (Squoosh codecs as WASM)",
    formats: FORMATS,
    load: async () => {
      const codecs = await loadWasmCodecs();
      return Object.fromEntries(
        FORMATS.map((f) => [f, async (b: Uint8Array) => (await codecs[f](b.slice().buffer)).data]),
      );
    },
  },
  sharp: {
    label: "sharp (libvips, native addon + libvips shared library)",
    formats: FORMATS,
    load: async () => {
      const sharp = (await import("sharp")).default;
      const decode = async (b: Uint8Array) => sharp(b).ensureAlpha().raw().toBuffer();
      return { jpeg: decode, png: decode, webp: decode };
    },
  },
  "napi-canvas": {
    label: "@napi-rs/canvas (Skia, one native addon)",
    formats: FORMATS,
    load: async () => {
      const { createCanvas, Image } = await import("@napi-rs/canvas");
      const decode = (b: Uint8Array) => {
        const image = new Image();
        image.src = Buffer.from(b);
        const context = createCanvas(image.width, image.height).getContext("2d");
        context.drawImage(image, 0, 0);
        return context.getImageData(0, 0, image.width, image.height).data;
      };
      return { jpeg: decode, png: decode, webp: decode };
    },
  },
  "pure-js": {
    label: "jpeg-js + fast-png (pure JavaScript; no WebP decoder exists in pure JS on npm worth the name)",
    formats: ["jpeg", "png"],
    load: async () => {
      const jpeg = (await import("jpeg-js")).default;
      const { decode: decodePng } = await import("fast-png");
      return {
        jpeg: (b) => jpeg.decode(b, { useTArray: true, formatAsRGBA: true }).data,
        png: (b) => {
          const image = decodePng(b);
          if (image.channels === 4) return image.data as Uint8Array;
          const rgba = new Uint8Array(image.width * image.height * 4); // fast-png keeps RGB as RGB
          for (let i = 0, o = 0; o < rgba.length; i += 3, o += 4)
            rgba.set([image.data[i], image.data[i + 1], image.data[i + 2], 255], o);
          return rgba;
        },
      };
    },
  },
};

async function makeFrames(): Promise<Record<Format, Uint8Array>> {
  const photo = await Bun.file(photoPath).bytes();
  const resized = () => new Bun.Image(photo).resize(640, 480, { fit: "fill" });
  return {
    jpeg: await resized().jpeg({ quality: 85 }).bytes(),
    png: await resized().png().bytes(),
    webp: await resized().webp({ quality: 85 }).bytes(),
  };
}

/** A cheap fingerprint of decoded pixels, to tell that two runs decoded the same picture. */
function checksum(pixels: Uint8Array | Uint8ClampedArray): number {
  let sum = 0;
  for (let i = 0; i < pixels.length; i++) sum = (sum + pixels[i] * ((i % 251) + 1)) % 1_000_000_007;
  return sum;
}

async function decodeOnce(name: string, format: Format, frames: Record<Format, Uint8Array>) {
  const decoders = await CANDIDATES[name].load();
  const pixels = await decoders[format]!(frames[format]);
  if (pixels.length !== 640 * 480 * 4) throw new Error(`decoded ${pixels.length} bytes, expected ${640 * 480 * 4}`);
  return checksum(pixels);
}

const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

/** One candidate, in this (fresh) process. */
async function measureHere(name: string) {
  const candidate = CANDIDATES[name];
  const frames = await makeFrames();
  Bun.gc(true);
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const decoders = await candidate.load();
  const first = await decoders.jpeg!(frames.jpeg);
  const firstMs = performance.now() - t0;
  const medianMs: Partial<Record<Format, number>> = {};
  for (const format of candidate.formats) {
    const times: number[] = [];
    for (let i = 0; i < 45; i++) {
      const t = performance.now();
      const pixels = await decoders[format]!(frames[format]);
      if (i >= 5) times.push(performance.now() - t);
      if (pixels.length !== 640 * 480 * 4)
        throw new Error(`${format}: decoded ${pixels.length} bytes, expected ${640 * 480 * 4}`);
    }
    medianMs[format] = Number(times.sort((a, b) => a - b)[20].toFixed(2));
  }
  Bun.gc(true);
  const rssGrowthMB = mb(process.memoryUsage().rss - rssBefore);
  // The same JPEG in a worker thread must give the same pixels.
  const worker = await new Promise<string>((resolve) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { candidate: name } });
    w.once("message", (sum) =>
      resolve(sum === checksum(first) ? "yes" : `different pixels (${sum} vs ${checksum(first)})`),
    );
    w.once("error", (error) => resolve(`fails: ${String(error).split("\n")[0]}`));
  });
  return {
    firstMs: Number(firstMs.toFixed(1)),
    medianMs,
    rssGrowthMB,
    maxRssMB: mb(process.resourceUsage().maxRSS * 1024),
    worker,
    ...(name === "bun-image" ? await largeFrame() : {}),
  };
}

/** The chosen decoder on a 4000x3000 JPEG: in full, and scaled to 1280 inside the decoder (fitWithin). */
async function largeFrame() {
  const photo = await Bun.file(photoPath).bytes();
  const big = await new Bun.Image(photo).resize(4000, 3000, { fit: "fill" }).jpeg({ quality: 85 }).bytes();
  const median = async (run: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    return Number(times.sort((a, b) => a - b)[3].toFixed(1));
  };
  return {
    jpeg4000x3000Ms: {
      full: await median(() => decodeImage(big, LIMITS)),
      fitWithin1280: await median(() => decodeImage(big, LIMITS, { fitWithin: 1280 })),
    },
  };
}

/** Every candidate in a binary made by `bun build --compile`, run from an empty folder. */
function compiledChecks(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-decoders-"));
  try {
    const binary = join(dir, "decoders-bench");
    const build = spawnSync(
      process.execPath,
      ["build", "--compile", new URL(import.meta.url).pathname, "--outfile", binary],
      { encoding: "utf8" },
    );
    if (build.status !== 0)
      return Object.fromEntries(
        Object.keys(CANDIDATES).map((n) => [n, `build failed: ${build.stderr.trim().split("\n").at(-1)}`]),
      );
    const empty = mkdtempSync(join(dir, "empty-"));
    return Object.fromEntries(
      Object.keys(CANDIDATES).map((name) => {
        const run = spawnSync(binary, ["--compiled-check", name], { cwd: empty, encoding: "utf8", timeout: 60_000 });
        const said = `${run.stdout}${run.stderr}`.trim().split("\n").filter(Boolean);
        return [
          name,
          run.status === 0 && said.at(-1)?.startsWith("ok")
            ? "yes"
            : `fails: ${(said.find((l) => /^error:/i.test(l.trim())) ?? said.at(-1) ?? `exit ${run.status}`).slice(0, 160)}`,
        ];
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median of the rounds' values, for every number in a candidate's result (strings taken from the last round). */
function medianOfRounds(rounds: Array<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(rounds.at(-1)!)) {
    const values = rounds.map((r) => r[key]);
    if (typeof values[0] === "number") merged[key] = (values as number[]).sort((a, b) => a - b)[values.length >> 1];
    else if (values[0] && typeof values[0] === "object")
      merged[key] = medianOfRounds(values as Array<Record<string, unknown>>);
    else merged[key] = values.at(-1);
  }
  return merged;
}

async function main() {
  // Candidates take turns, one fresh process each per round, so a burst of load on this shared machine
  // falls on all of them rather than on one; each number reported is the median over the rounds.
  const ROUNDS = Number(process.env.ROUNDS ?? 3);
  const rounds: Record<string, Array<Record<string, unknown>>> = Object.fromEntries(
    Object.keys(CANDIDATES).map((n) => [n, []]),
  );
  const results: Record<string, unknown> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(CANDIDATES)) {
      const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, "--measure", name], {
        encoding: "utf8",
        timeout: 300_000,
      });
      const line = child.stdout.trim().split("\n").at(-1) ?? "";
      if (child.status === 0) rounds[name].push(JSON.parse(line));
      else results[name] = { error: (child.stderr || child.stdout).trim().split("\n").slice(-3).join(" ") };
      console.error(`round ${round + 1}/${ROUNDS}`, name, line);
    }
  }
  for (const name of Object.keys(CANDIDATES))
    if (rounds[name].length > 0) results[name] = { ...medianOfRounds(rounds[name]), rounds: rounds[name].length };
  const compiled = compiledChecks();
  const frames = await makeFrames();
  const header = {
    date: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model}`,
    loadAverage1m: Number(loadavg()[0].toFixed(2)),
    runtime: `Bun ${Bun.version}`,
    frameBytes: Object.fromEntries(FORMATS.map((f) => [f, frames[f].length])),
  };
  const rows = Object.entries(CANDIDATES).map(([name, c]) => ({
    candidate: name,
    label: c.label,
    ...(results[name] as object),
    compiledBinary: compiled[name],
  }));
  const here = new URL("../", import.meta.url).pathname;
  mkdirSync(`${here}results`, { recursive: true });
  writeFileSync(`${here}results/decoders.json`, JSON.stringify({ ...header, rows }, null, 2) + "\n");
  const cell = (v: unknown) => (v === undefined ? "-" : String(v));
  type Row = {
    label: string;
    compiledBinary: string;
    medianMs?: Partial<Record<Format, number>>;
    firstMs?: number;
    rssGrowthMB?: number;
    worker?: string;
    error?: string;
  };
  const table = (rows as Row[])
    .map(
      (r) =>
        `| ${r.label} | ${cell(r.medianMs?.jpeg)} | ${cell(r.medianMs?.png)} | ${cell(r.medianMs?.webp)} | ${cell(r.firstMs)} | ${cell(r.rssGrowthMB)} | ${cell(r.worker ?? r.error)} | ${r.compiledBinary} |`,
    )
    .join("\n");
  const fastest = FORMATS.map((f) => {
    const best = (rows as Row[])
      .filter((r) => r.medianMs?.[f] !== undefined)
      .sort((a, b) => a.medianMs![f]! - b.medianMs![f]!)[0];
    return `${f.toUpperCase()}: ${best?.label.split(" (")[0]}`;
  }).join("; ");
  const large = (results["bun-image"] as { jpeg4000x3000Ms?: { full: number; fitWithin1280: number } }).jpeg4000x3000Ms;
  const md = `# Image decoders: one 640x480 frame to RGBA

${header.date.slice(0, 16).replace("T", " ")} UTC, ${header.machine} (shared machine, 1-minute load average ${header.loadAverage1m}), ${header.runtime}.
Made by \`npx bun bench/experiments/decoders.ts\`. Frames made in memory from tests/fixtures/grace_hopper.jpg: JPEG q85 ${header.frameBytes.jpeg} B, PNG ${header.frameBytes.png} B, WebP q85 ${header.frameBytes.webp} B.
Each candidate runs in a fresh process, ${ROUNDS} times taking turns with the others (numbers: median over those runs): median of 40 decodes after 5 warm-ups; *first call* is import + initialisation + the
first JPEG (paid once per worker thread); *RSS growth* is resident memory after all decodes minus before the import;
*worker thread* decodes the JPEG in a node:worker_threads Worker and compares a pixel checksum with the main thread;
*compiled binary* builds this file with \`bun build --compile\` and runs each candidate from an empty temp folder.

| decoder | JPEG ms | PNG ms | WebP ms | first call ms | RSS growth MB | worker thread | compiled binary |
| --- | --- | --- | --- | --- | --- | --- | --- |
${table}

Fastest in this run: ${fastest}.
${large ? `\nLarge frame, chosen decoder: a 4000x3000 JPEG takes ${large.full} ms decoded in full, ${large.fitWithin1280} ms when scaled to 1280 inside the decoder (\`decodeImage(bytes, limits, { fitWithin: 1280 })\`: JPEG DCT scaling, the full-size picture never exists). Much of the full decode is this VM touching 48 MB of fresh memory (allocating and filling 48 MB alone took ~300 ms here).\n` : ""}
## Choice: Bun.Image, for all three formats

- **Speed**: fastest for PNG and WebP (WebP about 2x and 3.5x faster than the WASM codecs and sharp). For JPEG,
  Bun.Image and sharp are level: over the runs made while writing this, each was ahead in some, by about 1 ms (Bun.Image's
  numbers include decode.ts's header probe and checks and a round trip through an uncompressed PNG, ~1 ms). sharp
  cannot run in the single binary, and Bun.Image is the fastest of the candidates that can, for every format. It decodes on Bun's own threads, off the JavaScript thread, and has
  the smallest first-call cost, which every new worker thread pays.
- **Single binary and workers**: it is part of Bun, so there is nothing to embed or install, and it ran in a worker
  thread and in the compiled binary (table). No npm install scripts.
- **Memory**: native buffers freed after each frame; a WASM codec's heap grows to the largest frame ever decoded and
  never shrinks. Large frames can be scaled down while decoding (line above), which no other candidate here does
  inside the same call except sharp.
- **Maintenance**: libjpeg-turbo, spng and libwebp, updated with Bun itself; \`Bun.Image\` also reads the header for
  the probe (format, size, and \`maxPixels\` refusal before any pixel buffer exists), so probe and decoder agree.
- **Costs, handled in src/image**: \`Bun.Image\` has no raw-pixel output, so it writes an uncompressed PNG
  (\`compressionLevel: 0\`, always 8-bit RGBA, filter None) whose rows src/image/stored-png.ts copies out (~1 ms;
  fast-png took ~3.5 ms for the same). And libjpeg-turbo decodes a truncated JPEG with grey blocks and only a warning,
  so decode.ts refuses a JPEG whose end marker does not follow its last scan; and its PNG reader does not check chunk
  CRCs (a flipped bit decodes into a different picture), so src/image/png-checksums.ts checks them (~0.1 ms).

Why not the others: **sharp** is as fast for JPEG and PNG but several times slower for WebP, heavier at first call and in memory, and cannot
run from a compiled binary (its addon is linked against libvips-cpp.so.8.18.7 found through a relative path into
node_modules/@img/sharp-libvips-linux-x64, which the binary does not carry; error in the table). **@jsquash/\\*** (WASM) works everywhere, including Node, and stays in bench/lib/wasm-codecs.ts for the one
caller that runs in Node (bench/engine-stages.ts), but is slower for every format. **@napi-rs/canvas** is slower (decode
plus a 2D draw to read pixels) and its memory grew by hundreds of MB over the run. **jpeg-js + fast-png** are portable
but several times slower and have no WebP.
`;
  writeFileSync(`${here}results/decoders.md`, md);
  console.log(md);
}

if (!isMainThread) {
  // Worker-thread check: decode the JPEG frame here and send its fingerprint back.
  parentPort!.postMessage(await decodeOnce(workerData.candidate, "jpeg", await makeFrames()));
} else if (process.argv.includes("--measure")) {
  console.log(JSON.stringify(await measureHere(process.argv[process.argv.indexOf("--measure") + 1])));
} else if (process.argv.includes("--compiled-check")) {
  const name = process.argv[process.argv.indexOf("--compiled-check") + 1];
  const frames = await makeFrames();
  for (const format of CANDIDATES[name].formats) await decodeOnce(name, format, frames);
  console.log(`ok ${name}`);
} else {
  await main();
}
