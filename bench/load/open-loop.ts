/**
 * Open-loop users, as the scenario says: user i of N posts a frame at phase + k seconds (phase = i/N s),
 * whatever happened to its previous frame. autocannon's rate limiter fires all connections at the same
 * tick, which turns N users into bursts of N simultaneous frames; real users' cameras are not in step.
 * Latencies are exact (every request is recorded), measured from the moment the frame was due, so a
 * generator that falls behind shows up as latency instead of hiding it (no coordinated omission). The
 * first second (every user's first frame, connections opening) is warm-up: sent, answered and counted
 * for errors, but left out of the latency percentiles. With `settleSeconds`, the users first run that long
 * uncounted, in the same process, and `onMeasuring` is called when the counted part begins: a user's client
 * state (its crop, its pace, its phase) carries on into the measured seconds, as a real client's does, instead
 * of every user restarting with a full frame in the same second.
 *
 * Modes (what each user sends; users at their desk post the person photo, one in five the empty desk):
 *   - "full": the whole 640x480 frame once a second (the original scenario);
 *   - "crop": once a second, but the face crop the previous answer asked for (next.crop), cut from the same
 *     photo with that geometry and sent with X-Frame-Crop, as the extension does; a full frame when the
 *     server asks for one, after an error, or while the previous answer has not come back; a 503 (shed) keeps
 *     the crop asked for before, as capture.js does;
 *   - "paced": the extension's own behaviour (clients/extension/lib/capture.js): crops as above, and each frame
 *     captured next.nextFrameAfterMs after the previous one (one frame in flight per user; if an answer comes
 *     back later than that, the next frame goes at once); after a 503 the last `next` stands and nothing is
 *     sent for Retry-After and up to half as much again at random. The rate is the server's to choose, so
 *     offeredRps is what was sent a second.
 */
import type { RgbaFrame } from "../../src/engine/types";
import type { CropRequest, NextFrame as PlannedFrame } from "../../src/session/frame-plan";
import { DEFAULT_PACING } from "../../src/session/pacing";
import { cutFaceCrop } from "../lib/face-crop";
import type { LoadResult } from "./generator";

export type LoadMode = "full" | "crop" | "paced";

/** Paced users' first frames are spread over the longest pace a calm user is asked for (pacing.ts sparseMs). */
const PACED_SPREAD_MS = DEFAULT_PACING.sparseMs;

export interface OpenLoopScenario {
  url: string;
  users: number;
  seconds: number;
  sessions: boolean;
  /**
   * Session ids are `<sessionPrefix>-<user index>`: a run of steps that passes the same prefix keeps its users
   * (the same students, still studying) from one step to the next, as real sessions last an hour, not a step.
   * Without it every user is a new session.
   */
  sessionPrefix?: string;
  mode?: LoadMode;
  /** Seconds run before the counted ones, uncounted (see above). */
  settleSeconds?: number;
  /** Called when the counted seconds begin (after the settling ones). */
  onMeasuring?: () => void;
  /**
   * With a bin width (ms), the result also has a timeline of the counted frames, by when they were due: frames,
   * 503s, other errors, frames that ran the detector, the longest queue wait and the longest latency of each bin.
   * Answers are then parsed in every mode (their timings say whether the detector ran).
   */
  timelineBinMs?: number;
  frames: { person: Uint8Array<ArrayBuffer>; empty: Uint8Array<ArrayBuffer> };
  /** The person photo decoded (RGBA), to cut crops from; needed by "crop" and "paced". */
  personPixels?: RgbaFrame;
}

/** An answer's `next`, as the server plans it (frame-plan.ts); read defensively, every field may be missing. */
type NextFrame = Partial<PlannedFrame>;

/** One bin of the timeline (see OpenLoopScenario.timelineBinMs); `atMs` from the start of the counted seconds. */
export interface TimelineBin {
  atMs: number;
  frames: number;
  shed: number;
  errors: number;
  detections: number;
  maxQueueMs: number;
  maxLatencyMs: number;
}

interface Answer {
  next?: NextFrame;
  timings?: { queueMs?: number; stages?: { detect?: number } };
}

export async function openLoop(s: OpenLoopScenario): Promise<LoadResult & { timeline?: TimelineBin[] }> {
  const mode = s.mode ?? "full";
  if (mode !== "full" && (!s.sessions || !s.personPixels)) throw new Error(`mode ${mode} needs sessions and the decoded person frame`);
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let shed = 0;
  let errors = 0;
  let cropFrames = 0;
  let bytesSent = 0;
  const start = performance.now() + 100;
  const settleMs = (s.settleSeconds ?? 0) * 1000;
  const measureFrom = start + settleMs;
  const end = measureFrom + s.seconds * 1000;
  if (settleMs > 0 && s.onMeasuring) setTimeout(s.onMeasuring, measureFrom - performance.now());
  const wallStart = Date.now() + 100;
  const inFlight: Promise<void>[] = [];
  const prefix = s.sessionPrefix ?? `bench-${crypto.randomUUID()}`;
  const sessionIds = Array.from({ length: s.users }, (_, user) => `${prefix}-${user}`);
  /** Each user's crop for its next frame, cut as soon as the answer asked for it (off the frame's clock). */
  const nextCrop: Array<Promise<{ jpeg: Uint8Array<ArrayBuffer>; header: string }> | null> = Array.from({ length: s.users }, () => null);
  // The photo does not move, so the server keeps asking for nearly the same crop. The geometry is snapped to
  // a 1 px / 0.005 rad grid (and the header says the snapped geometry, which is what was cut), so each crop
  // is cut and encoded once: the generator shares the server's cores, and a browser would do this work on
  // the user's machine, not the server's.
  const crops = new Map<string, Promise<{ jpeg: Uint8Array<ArrayBuffer>; header: string }>>();
  const cropFor = (asked: CropRequest) => {
    const snapped = { ...asked, centerX: Math.round(asked.centerX), centerY: Math.round(asked.centerY), size: Math.round(asked.size), rotation: Math.round(asked.rotation / 0.005) * 0.005 };
    const key = JSON.stringify(snapped);
    let crop = crops.get(key);
    if (!crop) {
      if (crops.size > 1000) crops.clear();
      crop = cutFaceCrop(s.personPixels!, snapped);
      crops.set(key, crop);
    }
    return crop;
  };

  const timeline = new Map<number, TimelineBin>();
  const binOf = (dueAt: number) => {
    const binMs = s.timelineBinMs!;
    const index = Math.floor((dueAt - measureFrom) / binMs);
    let bin = timeline.get(index);
    if (!bin) timeline.set(index, (bin = { atMs: index * binMs, frames: 0, shed: 0, errors: 0, detections: 0, maxQueueMs: 0, maxLatencyMs: 0 }));
    return bin;
  };

  /** Each user's last `next`, kept through a 503 as capture.js keeps it. */
  const lastNext: Array<NextFrame | null> = Array.from({ length: s.users }, () => null);
  /**
   * Sends user's frame due at `dueAt`; resolves with the `next` that stands after the answer (null without
   * one) and, after a 503, how long capture.js would pause before its next frame.
   */
  const send = async (user: number, warmUp: boolean, dueAt: number): Promise<{ next: NextFrame | null; pauseMs: number }> => {
    // Frames due in the settling seconds are sent and answered, but not counted at all.
    const counted = dueAt >= measureFrom;
    // One user in five has left the desk (empty frames); the others sit in front of their camera.
    const atDesk = user % 5 !== 4;
    let body = atDesk ? s.frames.person : s.frames.empty;
    const headers: Record<string, string> = { "content-type": "image/jpeg" };
    if (s.sessions) {
      headers["x-session-id"] = sessionIds[user];
      headers["x-capture-time"] = String(Math.round(wallStart + (dueAt - start)));
    }
    const cropToSend = nextCrop[user];
    nextCrop[user] = null;
    if (cropToSend) {
      const crop = await cropToSend;
      body = crop.jpeg;
      headers["x-frame-crop"] = crop.header;
      if (counted) cropFrames++;
    }
    if (counted) {
      sent++;
      bytesSent += body.byteLength;
    }
    let next: NextFrame | null = null;
    let pauseMs = 0;
    let answer: Answer | null = null;
    let status = 0;
    try {
      const response = await fetch(`${s.url}/v1/analyze`, { method: "POST", body, headers });
      status = response.status;
      // The full-frame users never look at the answer (the original clients); others read `next`.
      if (status === 200 && (mode !== "full" || s.timelineBinMs)) answer = (await response.json()) as Answer;
      else await response.arrayBuffer();
      // "Not now" (503, 429) leaves the plan standing, and its Retry-After is waited out with up to half again (capture.js).
      const notNow = status === 503 || status === 429;
      if (mode !== "full") next = answer?.next ?? (notNow ? lastNext[user] : null);
      if (status !== 200) pauseMs = Number(response.headers.get("retry-after") ?? 0) * 1000 * (1 + Math.random() / 2);
      if (counted) {
        if (status === 200) ok++;
        else if (status === 503) shed++;
        else errors++;
      }
    } catch {
      if (counted) errors++;
    }
    const latencyMs = performance.now() - dueAt;
    if (counted && !warmUp) latencies.push(latencyMs);
    if (counted && s.timelineBinMs) {
      const bin = binOf(dueAt);
      bin.frames++;
      if (status === 503) bin.shed++;
      else if (status !== 200) bin.errors++;
      if ((answer?.timings?.stages?.detect ?? 0) > 0) bin.detections++;
      bin.maxQueueMs = Math.max(bin.maxQueueMs, Math.round(answer?.timings?.queueMs ?? 0));
      bin.maxLatencyMs = Math.max(bin.maxLatencyMs, Math.round(latencyMs));
    }
    lastNext[user] = next;
    if (atDesk && next?.frame === "crop" && next.crop) nextCrop[user] = cropFor(next.crop);
    return { next, pauseMs };
  };

  if (mode === "paced") {
    // Each user is the extension's loop: capture, post, wait for the answer, capture again when it says.
    const user = async (index: number) => {
      // Real clients start at random moments, so their frames are spread evenly over whatever their period is.
      // Spread over one second (the fixed-rate modes' period), users paced at 2 s would all send in the same
      // half of every two seconds, a lockstep real users do not keep; spread over the sparse 2 s they do not.
      let dueAt = start + (index / s.users) * PACED_SPREAD_MS;
      await Bun.sleep(Math.max(0, dueAt - performance.now()));
      for (let k = 0; dueAt < end; k++) {
        const { next, pauseMs } = await send(index, k === 0, dueAt);
        const afterMs = Math.min(10_000, Math.max(250, next?.nextFrameAfterMs ?? 1000));
        dueAt = Math.max(dueAt + afterMs, performance.now() + pauseMs);
        const wait = dueAt - performance.now();
        if (wait > 1) await Bun.sleep(wait);
      }
    };
    await Promise.all(Array.from({ length: s.users }, (_, i) => user(i)));
  } else {
    const schedule: Array<{ at: number; user: number; k: number }> = [];
    for (let user = 0; user < s.users; user++) {
      const phase = (user / s.users) * 1000;
      for (let k = 0; k < s.seconds + (s.settleSeconds ?? 0); k++) schedule.push({ at: start + phase + k * 1000, user, k });
    }
    schedule.sort((a, b) => a.at - b.at);
    for (const item of schedule) {
      const wait = item.at - performance.now();
      if (wait > 1) await Bun.sleep(wait);
      inFlight.push(send(item.user, item.k === 0, item.at).then(() => {}));
    }
    await Promise.all(inFlight);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
  return {
    tool: "open-loop",
    mode,
    offeredRps: mode === "paced" ? Number((sent / s.seconds).toFixed(1)) : s.users,
    sent,
    ok,
    shed,
    errors,
    cropFrames,
    meanBytesPerFrame: sent ? Math.round(bytesSent / sent) : 0,
    throughputRps: ok / s.seconds,
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: Math.round(latencies.at(-1) ?? 0) },
    ...(s.timelineBinMs ? { timeline: [...timeline.values()].sort((a, b) => a.atMs - b.atMs) } : {}),
  };
}
