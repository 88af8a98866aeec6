/**
 * The load generator, run as its own process so it does not share the server's event loop:
 *   bun bench/load/generator.ts '{"url":..., "users":N, "seconds":S, "sessions":true, "frames":{...paths}}'
 * N virtual users, each posting one frame a second (four users in five at their desk, one in five away: an
 * empty desk), open loop: the rate is N requests a second whatever the answers. `mode` (open-loop only, with
 * sessions): "full" frames (default, the original scenario), "crop" (the face crop each answer asks for,
 * still once a second) or "paced" (crops, at the pace each answer asks for, as the extension); see
 * open-loop.ts. Generators:
 *   - "open-loop" (default): open-loop.ts, users staggered over the second as real, unsynchronised cameras are;
 *   - "oha" when on PATH (one process per frame kind, rates split 4:1; no per-user session headers);
 *   - "autocannon" (npm), kept for comparison: its rate limiter sends all N connections at the same tick, so
 *     it measures bursts of N simultaneous frames rather than N independent users.
 * Prints one JSON line with the results.
 *
 * With `"series": true` (open-loop only) the process is a fleet of users that lives across the steps of a load
 * bench (open-loop.ts OpenLoopFleet): each line on stdin is a step, {"users":N,"seconds":S,"settleSeconds":T};
 * "measuring" is printed when its counted seconds begin and its JSON line when they are answered; the users
 * already there keep sending in between and into the next step. The process ends when stdin closes.
 */
import type { Request as CannonRequest } from "autocannon";
import { readFileSync } from "node:fs";
import type { LoadMode, OpenLoopStep } from "./open-loop";
import { exitOnHelp } from "../lib/help";
import { ensureFetchConcurrency } from "../lib/fetch-concurrency";

exitOnHelp(import.meta);
ensureFetchConcurrency();

interface Scenario {
  generator?: "open-loop" | "oha" | "autocannon";
  mode?: LoadMode;
  url: string;
  /** One run's users and seconds; a series takes them per step, from stdin. */
  users: number;
  seconds: number;
  sessions: boolean;
  /** open-loop only: seconds run uncounted first, in the same process; "measuring" is printed when they end. */
  settleSeconds?: number;
  /** open-loop only: the steps come on stdin, one JSON line each, and the users carry on from one to the next. */
  series?: boolean;
  frames: { person: string; empty: string };
}

export interface LoadResult {
  tool: "autocannon" | "oha" | "open-loop";
  /** What the users sent (open-loop): full frames, face crops, or crops at the server's pace. */
  mode?: LoadMode;
  commands?: string[];
  offeredRps: number;
  sent: number;
  ok: number;
  shed: number;
  errors: number;
  /** Frames sent as face crops (open-loop, modes crop and paced). */
  cropFrames?: number;
  /** Mean request body size (open-loop). */
  meanBytesPerFrame?: number;
  throughputRps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

const scenario: Scenario = JSON.parse(process.argv[2]);

function ohaPath(): string | null {
  const which = Bun.spawnSync(["sh", "-c", "command -v oha"], { stdout: "pipe" });
  return which.exitCode === 0 ? which.stdout.toString().trim() : null;
}

async function withAutocannon(): Promise<LoadResult> {
  const autocannon = (await import("autocannon")).default;
  const person = readFileSync(scenario.frames.person);
  const empty = readFileSync(scenario.frames.empty);
  const request = (body: Buffer): CannonRequest => ({
    method: "POST",
    path: "/v1/analyze",
    body,
    // Each connection is one user: its own session id, and the capture time set when the frame leaves.
    setupRequest: (req: CannonRequest, context: object) => {
      const user = context as { session?: string };
      user.session ??= `bench-${crypto.randomUUID()}`;
      req.headers = {
        "content-type": "image/jpeg",
        ...(scenario.sessions ? { "x-session-id": user.session, "x-capture-time": String(Date.now()) } : {}),
      };
      return req;
    },
  });
  const result = await autocannon({
    url: scenario.url,
    connections: scenario.users,
    overallRate: scenario.users,
    duration: scenario.seconds,
    timeout: 10,
    requests: [request(person), request(person), request(person), request(person), request(empty)],
  });
  const non2xx = result.non2xx ?? 0;
  const shed = (result.statusCodeStats?.["503"]?.count as number | undefined) ?? 0;
  return {
    tool: "autocannon",
    offeredRps: scenario.users,
    sent: result.requests.sent,
    ok: result["2xx"],
    shed,
    errors: result.errors + result.timeouts + (non2xx - shed),
    throughputRps: result["2xx"] / scenario.seconds,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  };
}

async function withOha(oha: string): Promise<LoadResult> {
  const personRate = (scenario.users * 4) / 5;
  const emptyRate = scenario.users / 5;
  const command = (frame: string, rate: number, connections: number) => [
    oha,
    "-z",
    `${scenario.seconds}s`,
    "-q",
    String(rate),
    "-c",
    String(Math.max(1, connections)),
    "--latency-correction",
    "--no-tui",
    "--output-format",
    "json",
    "-m",
    "POST",
    "-H",
    "content-type: image/jpeg",
    "-D",
    frame,
    `${scenario.url}/v1/analyze`,
  ];
  // oha cannot vary headers per user, so this path measures the frames without sessions.
  const commands = [
    command(scenario.frames.person, personRate, Math.ceil(personRate)),
    command(scenario.frames.empty, emptyRate, Math.ceil(emptyRate)),
  ];
  const runs = await Promise.all(
    commands.map(async (cmd) => JSON.parse(await new Response(Bun.spawn(cmd, { stdout: "pipe" }).stdout).text())),
  );
  const count = (run: any, code: string) => Number(run.statusCodeDistribution?.[code] ?? 0);
  const ok = runs.reduce((n, r) => n + count(r, "200"), 0);
  const shed = runs.reduce((n, r) => n + count(r, "503"), 0);
  const sent = runs.reduce(
    (n, r) => n + Object.values(r.statusCodeDistribution ?? {}).reduce((a: number, b) => a + Number(b), 0),
    0,
  );
  const main = runs[0];
  return {
    tool: "oha",
    commands: commands.map((c) => c.map((a) => (a.includes(" ") ? `'${a}'` : a)).join(" ")),
    offeredRps: scenario.users,
    sent,
    ok,
    shed,
    errors: sent - ok - shed,
    throughputRps: ok / scenario.seconds,
    latencyMs: {
      p50: main.latencyPercentiles.p50 * 1000,
      p90: main.latencyPercentiles.p90 * 1000,
      p99: main.latencyPercentiles.p99 * 1000,
      max: main.summary.slowest * 1000,
    },
  };
}

/** The open-loop users (open-loop.ts), with the photos read and, for crops, the person photo decoded. */
async function openLoopUsers() {
  const { decodeImage } = await import("../../src/image/decode");
  const read = (path: string) => new Uint8Array(readFileSync(path)) as Uint8Array<ArrayBuffer>;
  const person = read(scenario.frames.person);
  // Crops are cut from the decoded photo, as a browser cuts them from the camera's picture.
  const personPixels =
    scenario.mode && scenario.mode !== "full" ? await decodeImage(person, { maxPixels: 1e8 }) : undefined;
  return { ...scenario, frames: { person, empty: read(scenario.frames.empty) }, personPixels };
}

// run-load.ts reads the server's CPU from the moment this line appears.
const measuring = () => console.log("measuring");

async function withOpenLoop(): Promise<LoadResult> {
  const { openLoop } = await import("./open-loop");
  return openLoop({ ...(await openLoopUsers()), onMeasuring: measuring });
}

/** The steps of a series, one per stdin line, each answered with its JSON line; resolves when stdin closes. */
async function openLoopSeries(): Promise<void> {
  const { OpenLoopFleet } = await import("./open-loop");
  const fleet = new OpenLoopFleet(await openLoopUsers());
  for await (const line of console) {
    if (!line.trim()) continue;
    const step = JSON.parse(line) as OpenLoopStep;
    console.log(JSON.stringify(await fleet.step({ ...step, onMeasuring: measuring })));
  }
  await fleet.stop();
}

if (scenario.series) {
  if (scenario.generator && scenario.generator !== "open-loop")
    throw new Error("a series of steps needs the open-loop generator");
  await openLoopSeries();
} else {
  const oha = ohaPath();
  const generator =
    scenario.mode && scenario.mode !== "full"
      ? "open-loop"
      : (scenario.generator ?? (oha && !scenario.sessions ? "oha" : "open-loop"));
  const result =
    generator === "oha" && oha
      ? await withOha(oha)
      : generator === "autocannon"
        ? await withAutocannon()
        : await withOpenLoop();
  console.log(JSON.stringify(result));
}
