/**
 * Open-loop users, as the scenario says: user i of N posts a frame at phase + k seconds (phase = i/N s),
 * whatever happened to its previous frame. autocannon's rate limiter fires all connections at the same
 * tick, which turns N users into bursts of N simultaneous frames; real users' cameras are not in step.
 * Latencies are exact (every request is recorded), measured from the moment the frame was due, so a
 * generator that falls behind shows up as latency instead of hiding it (no coordinated omission). The
 * first second (every user's first frame, connections opening) is warm-up: sent, answered and counted
 * for errors, but left out of the latency percentiles.
 */
import type { LoadResult } from "./generator";

export interface OpenLoopScenario {
  url: string;
  users: number;
  seconds: number;
  sessions: boolean;
  frames: { person: Uint8Array<ArrayBuffer>; empty: Uint8Array<ArrayBuffer> };
}

export async function openLoop(s: OpenLoopScenario): Promise<LoadResult> {
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let shed = 0;
  let errors = 0;
  const start = performance.now() + 100;
  const wallStart = Date.now() + 100;
  const inFlight: Promise<void>[] = [];
  const sessionIds = Array.from({ length: s.users }, () => `bench-${crypto.randomUUID()}`);

  const send = async (user: number, k: number, dueAt: number) => {
    // One user in five has left the desk (empty frames); the others sit in front of their camera.
    const body = user % 5 === 4 ? s.frames.empty : s.frames.person;
    const headers: Record<string, string> = { "content-type": "image/jpeg" };
    if (s.sessions) {
      headers["x-session-id"] = sessionIds[user];
      headers["x-capture-time"] = String(Math.round(wallStart + (dueAt - start)));
    }
    sent++;
    try {
      const response = await fetch(`${s.url}/v1/analyze`, { method: "POST", body, headers });
      await response.arrayBuffer();
      if (response.status === 200) ok++;
      else if (response.status === 503) shed++;
      else errors++;
    } catch {
      errors++;
    }
    if (k > 0) latencies.push(performance.now() - dueAt);
  };

  const schedule: Array<{ at: number; user: number; k: number }> = [];
  for (let user = 0; user < s.users; user++) {
    const phase = (user / s.users) * 1000;
    for (let k = 0; k < s.seconds; k++) schedule.push({ at: start + phase + k * 1000, user, k });
  }
  schedule.sort((a, b) => a.at - b.at);
  for (const item of schedule) {
    const wait = item.at - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    inFlight.push(send(item.user, item.k, item.at));
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
  return {
    tool: "open-loop",
    offeredRps: s.users,
    sent,
    ok,
    shed,
    errors,
    throughputRps: ok / s.seconds,
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: Math.round(latencies.at(-1) ?? 0) },
  };
}
