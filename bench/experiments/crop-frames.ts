/**
 * Face-crop frames against full frames, one client, sequential frames, against a real server process with
 * one worker:  bun bench/experiments/crop-frames.ts [--frames 150]
 *
 * For each kind of traffic: bytes per frame, and the server's CPU time per answered frame (utime + stime of
 * the whole server process from /proc, so HTTP, JSON and the worker are all in it), over the same number of
 * frames. Capture times step by one second, as at 1 frame/s. Kinds:
 *   - full, no session: the detector on every frame;
 *   - full, session: tracking with the detection schedule (detection-policy.ts);
 *   - crop only: every frame the face crop (the first full frame excepted);
 *   - crop, following next: crops when asked, full frames when a detection is due (what the clients do).
 * Writes bench/results/crop-frames.{json,md}. Numbers to read, not asserted anywhere.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cutFaceCrop } from "../lib/face-crop";
import { benchFrames } from "../lib/frames";
import { startBenchServer } from "../lib/server-process";
import { decodeImage } from "../../src/image/decode";
import { procStat } from "../lib/proc-stat";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const { values: args } = parseArgs({ options: { frames: { type: "string" }, "crop-size": { type: "string" } } });
const FRAMES = Number(args.frames ?? 150);
const CROP_SIZE = Number(args["crop-size"] ?? 192);
const repo = new URL("../../", import.meta.url).pathname;
const { person } = await benchFrames();
const pixels = await decodeImage(person, { maxPixels: 1e8 });
const server = await startBenchServer(1, ["--face-crop-size", String(CROP_SIZE)]);
const pid = server.child.pid;
const serverCpuMs = () => procStat(pid).cpuMs;

async function run(kind: "full-nosession" | "full-session" | "crop-only" | "crop-follow") {
  const session = `bench-crop-${crypto.randomUUID()}`;
  const t0 = Date.now() - 3_600_000;
  let next: any = null;
  let firstCrop: any = null;
  let bytes = 0;
  let crops = 0;
  let detections = 0;
  let measuredFrom = 0;
  let c0 = 0;
  const total = FRAMES + 10; // the first 10 warm the session and the worker up, unmeasured
  for (let i = 0; i < total; i++) {
    if (i === 10) c0 = serverCpuMs();
    const headers: Record<string, string> = { "content-type": "image/jpeg" };
    if (kind !== "full-nosession")
      Object.assign(headers, { "x-session-id": session, "x-capture-time": String(t0 + i * 1000) });
    let body: Uint8Array<ArrayBuffer> = person;
    const wanted =
      kind === "crop-only"
        ? (next?.crop ?? firstCrop)
        : kind === "crop-follow" && next?.frame === "crop"
          ? next.crop
          : null;
    if (wanted) {
      const cut = await cutFaceCrop(pixels, wanted);
      body = cut.jpeg;
      headers["x-frame-crop"] = cut.header;
    }
    const response = await fetch(`${server.url}/v1/analyze`, { method: "POST", body, headers });
    const answer = (await response.json()) as any;
    if (response.status !== 200) throw new Error(`${kind}: ${response.status} ${JSON.stringify(answer)}`);
    next = answer.next ?? null;
    firstCrop ??= next?.crop ?? null;
    if (i >= 10) {
      measuredFrom++;
      bytes += body.byteLength;
      if (wanted) crops++;
      if (!answer.tracked && !wanted) detections++;
    }
  }
  const cpuMs = serverCpuMs() - c0;
  return {
    kind,
    frames: measuredFrom,
    cropFrames: crops,
    detectorRuns: detections,
    meanBytes: Math.round(bytes / measuredFrom),
    serverCpuMsPerFrame: Number((cpuMs / measuredFrom).toFixed(2)),
  };
}

const results = [];
for (const kind of ["full-nosession", "full-session", "crop-only", "crop-follow"] as const) {
  const r = await run(kind);
  console.error(JSON.stringify(r));
  results.push(r);
}
server.child.kill("SIGTERM");
await server.child.exited;

const by = Object.fromEntries(results.map((r) => [r.kind, r]));
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, runtime: `Bun ${Bun.version}` },
  framesPerKind: FRAMES,
  results,
  ratios: {
    cropOverFullBytes: by["crop-only"].meanBytes / by["full-session"].meanBytes,
    cropOverTrackedFullCpu: by["crop-only"].serverCpuMsPerFrame / by["full-session"].serverCpuMsPerFrame,
    followOverFullSessionCpu: by["crop-follow"].serverCpuMsPerFrame / by["full-session"].serverCpuMsPerFrame,
  },
};
const md = `# Face-crop frames against full frames (${report.date.slice(0, 10)})

Machine: ${report.machine.cpus} x ${report.machine.cpu}, ${report.machine.runtime}. Command: \`bun bench/experiments/crop-frames.ts --frames ${FRAMES} --crop-size ${CROP_SIZE}\`.
One client posting sequential frames (capture times one second apart) to a server process with one worker; the
bench's webcam frame (640x480 JPEG of grace_hopper.jpg, bench/lib/frames.ts) and crops cut from it with the geometry
the server asked for (${CROP_SIZE}x${CROP_SIZE} JPEG, quality 80, bench/lib/face-crop.ts). Server CPU = utime + stime of the whole
server process over ${FRAMES} frames (after 10 unmeasured), so HTTP and JSON are in it. Measured on a shared machine:
compare the rows with each other.

| traffic | frames | crops | detector runs | mean bytes/frame | server CPU ms/frame |
| --- | --- | --- | --- | --- | --- |
${results.map((r) => `| ${r.kind} | ${r.frames} | ${r.cropFrames} | ${r.detectorRuns} | ${r.meanBytes} | ${r.serverCpuMsPerFrame} |`).join("\n")}

Crop / full bytes: ${report.ratios.cropOverFullBytes.toFixed(2)}; crop / tracked full frame CPU: ${report.ratios.cropOverTrackedFullCpu.toFixed(2)};
following next (crops with a full frame whenever a detection is due) / full frames with a session: ${report.ratios.followOverFullSessionCpu.toFixed(2)}.
`;
const name = CROP_SIZE === 192 ? "crop-frames" : `crop-frames-${CROP_SIZE}`;
writeFileSync(
  join(repo, `bench/results/${name}.json`),
  JSON.stringify({ ...report, cropSize: CROP_SIZE }, null, 2) + "\n",
);
writeFileSync(join(repo, `bench/results/${name}.md`), md);
console.log(md);
