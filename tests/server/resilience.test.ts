/** The pool under faults and floods, through the real HTTP server with real workers and models. */
import { afterEach, expect, test } from "bun:test";
import { fixtureBytes } from "../support/images";
import { startTestServer } from "../support/server";

let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const analyze = async (url: string, body: Uint8Array<ArrayBuffer>) =>
  fetch(`${url}/v1/analyze`, { method: "POST", body, headers: { "content-type": "image/jpeg" } });

/** A large real frame, so a worker is busy long enough to be caught mid-frame. */
async function largeFrame(): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(
    await new Bun.Image(await fixtureBytes("grace_hopper.jpg"))
      .resize(3000, 3500, { fit: "fill" })
      .jpeg({ quality: 95 })
      .bytes(),
  );
}

async function until(condition: () => boolean, timeoutMs = 5000) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not reached in time");
    await Bun.sleep(1);
  }
}

test("a worker killed mid-frame: that frame gets 503, the other worker's frame succeeds, the pool recovers", async () => {
  server = await startTestServer({ VIGIL_WORKERS: "2" });
  const s = server;
  const frame = await largeFrame();
  const requests = [analyze(s.url, frame), analyze(s.url, frame)];
  await until(() => s.pool.stats().busy === 2);
  await s.pool.terminateWorker(0);
  const responses = await Promise.all(requests);
  const statuses = responses.map((r) => r.status).sort();
  expect(statuses).toEqual([200, 503]);
  const failed = responses.find((r) => r.status === 503)!;
  expect(failed.headers.get("retry-after")).toBe("1");
  expect((await failed.json()).error.code).toBe("worker_failed");
  await s.pool.whenAllReady();
  expect((await analyze(s.url, await fixtureBytes("grace_hopper.jpg"))).status).toBe(200);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  expect(metrics).toMatch(/vigil_worker_restarts_total\{kind="crashed"\} 1/);
  expect(s.pool.stats()).toMatchObject({ size: 2, ready: 2, restarts: 1 });
});

test("with the default limits the same large frame is scaled while decoding, and the worker stays", async () => {
  server = await startTestServer({ VIGIL_WORKERS: "1" });
  const s = server;
  const answer = await analyze(s.url, await largeFrame());
  expect(answer.status).toBe(200);
  expect((await answer.json()).image).toMatchObject({ width: 3000, height: 3500, analyzedHeight: 1280 });
  expect(s.pool.stats()).toMatchObject({ ready: 1, restarts: 0, recycled: 0 });
});

test("a worker whose heaps grew on an unusually large frame answers it, then is replaced by a fresh one", async () => {
  // Frames analysed whole up to 4000 px: the 10.5 MP frame grows the models' heaps from 40 MB to about 90.
  server = await startTestServer({
    VIGIL_WORKERS: "1",
    VIGIL_INFERENCE_MAX_SIDE: "4000",
    VIGIL_WORKER_RECYCLE_HEAP_MB: "64",
  });
  const s = server;
  const big = await largeFrame(); // 3000x3500 = 10.5 MP: allowed, but more than a webcam ever sends
  expect((await analyze(s.url, big)).status).toBe(200);
  await s.pool.whenAllReady();
  expect(s.pool.stats()).toMatchObject({ ready: 1, restarts: 0, recycled: 1 });
  expect((await analyze(s.url, await fixtureBytes("grace_hopper.jpg"))).status).toBe(200);
  expect(s.pool.stats().recycled).toBe(1);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  expect(metrics).toMatch(/vigil_worker_restarts_total\{kind="recycled"\} 1/);
});

test("a worker whose memory fills on a huge valid frame: that frame gets 503, the pool replaces the worker, nothing else fails", async () => {
  // Each model's heap capped at 64 MB and large frames analysed at full size: a 6000x6000 photo passes every
  // size check, decodes, then needs 144 MB inside the engine. The runtime's allocation fails for real. A long
  // job timeout keeps a loaded machine's slow decode from ending the worker as hung before its memory fills.
  server = await startTestServer({
    VIGIL_WORKERS: "2",
    VIGIL_JOB_TIMEOUT_MS: "60000",
    VIGIL_ENGINE_HEAP_MB: "64",
    VIGIL_INFERENCE_MAX_SIDE: "8000",
    VIGIL_MAX_IMAGE_PIXELS: "40000000",
  });
  const s = server;
  const huge = new Uint8Array(
    await new Bun.Image(await fixtureBytes("grace_hopper.jpg"))
      .resize(6000, 6000, { fit: "fill" })
      .jpeg({ quality: 90 })
      .bytes(),
  );
  const normal = await fixtureBytes("grace_hopper.jpg");
  const hugeAnswer = analyze(s.url, huge);
  // The other worker keeps answering while the first breaks and is replaced.
  const others = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      await Bun.sleep(i * 150);
      return (await analyze(s.url, normal)).status;
    }),
  );
  const failed = await hugeAnswer;
  expect(failed.status).toBe(503);
  expect(failed.headers.get("retry-after")).toBe("1");
  expect((await failed.json()).error.code).toBe("worker_failed");
  expect(others).toEqual([200, 200, 200, 200, 200, 200]);
  await s.pool.whenAllReady();
  expect(s.pool.stats()).toMatchObject({ size: 2, ready: 2, restarts: 1 });
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  expect(metrics).toMatch(/vigil_worker_restarts_total\{kind="broken"\} 1/);
  // The replacement works: both workers answer again.
  const after = await Promise.all([analyze(s.url, normal), analyze(s.url, normal)]);
  expect(after.map((r) => r.status)).toEqual([200, 200]);
}, 30_000);

test("a worker killed under a steady load: only the frame it held fails, every other frame is answered", async () => {
  // Shedding is kept out of the way (a queue wait bound and a deadline of 20 s): on a loaded machine the one
  // worker left while the other restarts cannot keep up with 20 frames a second and would refuse some, which is
  // what the overload tests are for.
  server = await startTestServer({
    VIGIL_WORKERS: "2",
    VIGIL_MAX_QUEUE: "50",
    VIGIL_MAX_QUEUE_WAIT_MS: "20000",
    VIGIL_FRAME_DEADLINE_MS: "20000",
  });
  const s = server;
  const frame = await fixtureBytes("grace_hopper.jpg");
  // 20 frames a second for 3 s, open loop; the first worker is killed at 1.5 s while frames are in flight.
  const sent: Promise<{ status: number; code?: string }>[] = [];
  const started = performance.now();
  // Beside the load: at 1.5 s, wait for a worker to be mid-frame and kill that one.
  const kill = (async () => {
    await Bun.sleep(1500);
    while (s.pool.busyWorkers().length === 0) await Bun.sleep(1);
    await s.pool.terminateWorker(s.pool.busyWorkers()[0]);
    return true;
  })();
  for (let i = 0; i < 60; i++) {
    await Bun.sleep(Math.max(0, started + i * 50 - performance.now()));
    sent.push(
      analyze(s.url, frame).then(async (r) => ({
        status: r.status,
        code: r.status === 200 ? undefined : (await r.json()).error.code,
      })),
    );
  }
  const results = await Promise.all(sent);
  expect(await kill).toBe(true);
  const failed = results.filter((r) => r.status !== 200);
  // Exactly the one frame the killed worker held; nothing else is lost, nothing hangs.
  expect(failed.length).toBe(1);
  for (const f of failed) expect(f).toEqual({ status: 503, code: "worker_failed" });
  expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(59);
  await s.pool.whenAllReady();
  expect(s.pool.stats()).toMatchObject({ ready: 2, restarts: 1 });
}, 30_000);

test("a flood gets 503 + Retry-After at once for what does not fit, while admitted frames succeed", async () => {
  server = await startTestServer({ VIGIL_WORKERS: "1", VIGIL_MAX_QUEUE: "2" });
  const s = server;
  const frame = await fixtureBytes("grace_hopper.jpg");
  const results = await Promise.all(
    Array.from({ length: 24 }, async () => {
      const started = performance.now();
      const response = await analyze(s.url, frame);
      return {
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        body: await response.json(),
        ms: performance.now() - started,
      };
    }),
  );
  const admitted = results.filter((r) => r.status === 200);
  const shed = results.filter((r) => r.status === 503);
  expect(admitted.length + shed.length).toBe(24);
  // One running and two queued at any moment: at least those three are analysed.
  expect(admitted.length).toBeGreaterThanOrEqual(3);
  expect(shed.length).toBeGreaterThan(0);
  // Refused frames put the server in overload, fully from the fifth (3% of at least 150 frames): a refused
  // client is told to wait as long as the slowest calm session then (VIGIL_LOAD_PACING_OVERLOAD_MAX_MS, 8 s),
  // not to come straight back; the first refusals, a small overload, less.
  for (const r of shed) {
    expect(r.body.error.code).toBe("overloaded");
    expect(Number(r.retryAfter)).toBeOneOf([1, 2, 3, 4, 5, 6, 7, 8]);
  }
  expect(shed.filter((r) => r.retryAfter === "8").length).toBeGreaterThanOrEqual(shed.length - 4);
  for (const r of admitted) expect(r.body.person.present).toBe(true);
  // Shed frames are refused without waiting for the analyses in front of them.
  const slowestShed = Math.max(...shed.map((r) => r.ms));
  const slowestAdmitted = Math.max(...admitted.map((r) => r.ms));
  expect(slowestShed).toBeLessThan(slowestAdmitted);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  expect(metrics).toMatch(new RegExp(`vigil_frames_shed_total\\{reason="overloaded"\\} ${shed.length}`));
  // And the server is still fine afterwards.
  expect((await analyze(s.url, frame)).status).toBe(200);
});

test("a frame that waits past its deadline is dropped with 503 deadline_exceeded", async () => {
  server = await startTestServer({ VIGIL_WORKERS: "1", VIGIL_MAX_QUEUE: "50", VIGIL_FRAME_DEADLINE_MS: "30" });
  const s = server;
  const big = await largeFrame();
  const first = analyze(s.url, big);
  await until(() => s.pool.stats().busy === 1);
  const late = await analyze(s.url, await fixtureBytes("grace_hopper.jpg"));
  expect(late.status).toBe(503);
  expect((await late.json()).error.code).toBe("deadline_exceeded");
  expect((await first).status).toBe(200);
});

test("graceful stop: in-flight frames finish, then the port closes", async () => {
  server = await startTestServer({ VIGIL_WORKERS: "1" });
  const s = server;
  const inFlight = analyze(s.url, await largeFrame());
  await until(() => s.pool.stats().busy === 1);
  const stopped = s.stop();
  expect((await inFlight).status).toBe(200);
  await stopped;
  server = undefined;
  expect(
    await fetch(`${s.url}/healthz`).then(
      () => "answered",
      () => "refused",
    ),
  ).toBe("refused");
});
