import { afterEach, describe, expect, test } from "bun:test";
import { FrameCalendar } from "../../src/pool/frame-calendar";
import { PoolError } from "../../src/pool/pool-errors";
import { WorkerJobError, WorkerPool, type WorkerPoolOptions } from "../../src/pool/worker-pool";

const workerUrl = new URL("./scripted-worker.ts", import.meta.url);
let pool: WorkerPool<unknown, number> | undefined;

async function startPool(options: Partial<WorkerPoolOptions> = {}, observer = {}) {
  pool = new WorkerPool<unknown, number>(
    { workerUrl, size: 2, maxQueue: 4, queueDeadlineMs: 1000, jobTimeoutMs: 2000, ...options },
    observer,
  );
  await pool.whenAllReady();
  return pool;
}

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("WorkerPool", () => {
  test("answers jobs and reports queue and worker time", async () => {
    const p = await startPool();
    const outcome = await p.run({ action: "echo", value: 42 });
    expect(outcome.value).toBe(42);
    expect(outcome.queueMs).toBeGreaterThanOrEqual(0);
    expect(p.stats()).toMatchObject({ size: 2, ready: 2, busy: 0, queued: 0, restarts: 0 });
  });

  test("a failing input is the caller's error and the worker stays", async () => {
    const p = await startPool();
    const failure = await p.run({ action: "fail" }).catch((e) => e);
    expect(failure).toBeInstanceOf(WorkerJobError);
    expect(failure.code).toBe("corrupt_image");
    expect((await p.run({ action: "echo", value: 1 })).value).toBe(1);
    expect(p.stats().restarts).toBe(0);
  });

  test("a full queue refuses at once while admitted jobs still finish", async () => {
    const shed: string[] = [];
    const p = await startPool({ size: 1, maxQueue: 2 }, { onShed: (code: string) => shed.push(code) });
    const admitted = [
      p.run({ action: "busy", ms: 150 }),
      p.run({ action: "busy", ms: 10 }),
      p.run({ action: "busy", ms: 10 }),
    ];
    let longJobDone = false;
    void admitted[0].then(() => {
      longJobDone = true;
    });
    const refused = await p.run({ action: "echo", value: 0 }).catch((e) => e);
    expect(longJobDone).toBe(false); // refused without waiting for the 150 ms job
    expect(refused).toBeInstanceOf(PoolError);
    expect(refused.code).toBe("overloaded");
    expect(shed).toEqual(["overloaded"]);
    expect((await Promise.all(admitted)).map((o) => o.value)).toEqual([150, 10, 10]);
  });

  test("a frame that would wait longer than maxQueueWaitMs is refused at once; shorter frames queue deeper", async () => {
    const shed: string[] = [];
    const p = await startPool(
      { size: 1, maxQueue: 100, maxQueueWaitMs: 250 },
      { onShed: (code: string) => shed.push(code) },
    );
    // The pool learns what a frame costs from the frames it serves: 100 ms each here.
    for (let i = 0; i < 3; i++) await p.run({ action: "busy", ms: 100 });
    const running = p.run({ action: "busy", ms: 100 });
    // Behind the running frame: the first waits about 50 ms, the second 150, the third 250: admitted.
    const admitted = [p.run({ action: "busy", ms: 100 }), p.run({ action: "busy", ms: 100 })];
    let runningDone = false;
    void running.then(() => {
      runningDone = true;
    });
    const refused = await p.run({ action: "busy", ms: 100 }).catch((e) => e);
    // At once: while the frame in front of it is still running.
    expect(runningDone).toBe(false);
    expect(refused).toBeInstanceOf(PoolError);
    expect(refused.code).toBe("overloaded");
    expect(refused.message).toMatch(/would wait about \d+ ms/);
    expect(shed).toEqual(["overloaded"]);
    await Promise.all([running, ...admitted]);
    // Frames of 10 ms: the same 250 ms admits about twenty behind a running one (fewer on a loaded machine, where a
    // frame keeps the worker longer than its 10 ms; still far more than the two 100 ms frames above).
    for (let i = 0; i < 60; i++) await p.run({ action: "busy", ms: 10 });
    const cheap = Array.from({ length: 21 }, () =>
      p.run({ action: "busy", ms: 10 }).then(
        () => "ok",
        (e) => e.code,
      ),
    );
    expect((await Promise.all(cheap)).filter((r) => r === "ok").length).toBeGreaterThanOrEqual(6);
  });

  test("a frame that waits past its deadline is dropped at the deadline, not analysed later", async () => {
    const p = await startPool({ size: 1, queueDeadlineMs: 100 });
    const blocker = p.run({ action: "busy", ms: 400 });
    let blockerDone = false;
    void blocker.then(() => {
      blockerDone = true;
    });
    const started = performance.now();
    const late = await p.run({ action: "echo", value: 7 }).catch((e) => e);
    expect(late).toBeInstanceOf(PoolError);
    expect(late.code).toBe("deadline_exceeded");
    // At its deadline: not before it, and while the frame in front of it is still running.
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(blockerDone).toBe(false);
    await blocker;
  });

  test("a crashed worker fails only its own frame and is replaced", async () => {
    const restarts: string[] = [];
    const p = await startPool({}, { onWorkerRestart: (kind: string) => restarts.push(kind) });
    const [crashed, fine] = await Promise.allSettled([p.run({ action: "crash" }), p.run({ action: "busy", ms: 50 })]);
    expect(crashed.status).toBe("rejected");
    expect((crashed as PromiseRejectedResult).reason.code).toBe("worker_failed");
    expect(fine).toMatchObject({ status: "fulfilled", value: { value: 50 } });
    await p.whenAllReady();
    expect(restarts).toEqual(["crashed"]);
    expect(p.stats()).toMatchObject({ ready: 2, restarts: 1 });
    expect((await p.run({ action: "echo", value: 5 })).value).toBe(5);
  });

  test("a worker that reports itself broken fails only that frame with worker_failed, and is replaced", async () => {
    const restarts: string[] = [];
    const p = await startPool({ size: 1 }, { onWorkerRestart: (kind: string) => restarts.push(kind) });
    const broken = p.run({ action: "break" });
    // Queued behind the broken job: must be served by the replacement, not sent to the broken worker.
    const next = p.run({ action: "echo", value: 6 });
    const failure = await broken.catch((e) => e);
    expect(failure).toBeInstanceOf(PoolError);
    expect(failure.code).toBe("worker_failed");
    expect(failure.message).toMatch(/broke/);
    expect((await next).value).toBe(6);
    expect(restarts).toEqual(["broken"]);
    expect(p.stats()).toMatchObject({ ready: 1, restarts: 1 });
  });

  test("a hung worker is terminated after the job timeout and replaced", async () => {
    const restarts: string[] = [];
    const p = await startPool({ jobTimeoutMs: 200 }, { onWorkerRestart: (kind: string) => restarts.push(kind) });
    const hung = await p.run({ action: "hang" }).catch((e) => e);
    expect(hung.code).toBe("worker_failed");
    expect(restarts).toEqual(["hung"]);
    await p.whenAllReady();
    expect((await p.run({ action: "echo", value: 9 })).value).toBe(9);
  });

  test("a worker terminated from outside mid-job is replaced", async () => {
    const p = await startPool({ size: 1 });
    const job = p.run({ action: "busy", ms: 500 });
    await Bun.sleep(50);
    await p.terminateWorker(0);
    expect((await job.catch((e) => e)).code).toBe("worker_failed");
    await p.whenAllReady();
    expect((await p.run({ action: "echo", value: 3 })).value).toBe(3);
  });

  test("a worker that asks to retire answers its frame and is replaced by a fresh one", async () => {
    const restarts: string[] = [];
    const p = await startPool({ size: 1 }, { onWorkerRestart: (kind: string) => restarts.push(kind) });
    expect((await p.run({ action: "grow" })).value).toBe(1);
    expect(restarts).toEqual(["recycled"]);
    await p.whenAllReady();
    expect(p.stats()).toMatchObject({ ready: 1, restarts: 0, recycled: 1 });
    // The fresh worker has not grown: it answers and stays.
    expect((await p.run({ action: "echo", value: 4 })).value).toBe(4);
    expect(p.stats().recycled).toBe(1);
  });

  test("close lets running and queued frames finish, then refuses new ones", async () => {
    const p = await startPool({ size: 1 });
    const running = p.run({ action: "busy", ms: 100 });
    const queued = p.run({ action: "echo", value: 2 });
    const closed = p.close();
    expect((await p.run({ action: "echo", value: 0 }).catch((e) => e)).code).toBe("shutting_down");
    expect((await running).value).toBe(100);
    expect((await queued).value).toBe(2);
    await closed;
    pool = undefined;
  });
});

describe("WorkerPool: patient frames (a new session's first)", () => {
  test("wait behind the frames of running sessions, in their own queue, and are admitted where an ordinary frame is refused", async () => {
    const shed: string[] = [];
    const p = await startPool(
      { size: 1, maxQueue: 2, maxQueueWaitMs: 250, patience: { extraWaitMs: 2000, maxQueue: 20 } },
      { onShed: (code: string) => shed.push(code) },
    );
    for (let i = 0; i < 3; i++) await p.run({ action: "busy", ms: 100 });
    const order: string[] = [];
    const track = (name: string, run: Promise<unknown>) =>
      run.then(
        () => order.push(name),
        (e) => order.push(`${name}:${e.code}`),
      );
    const blocker = track("blocker", p.run({ action: "busy", ms: 100 }));
    // Five first frames (500 ms of work, over the 250 ms bound) are admitted; two ordinary frames go ahead of them.
    const patient = Array.from({ length: 5 }, (_, i) =>
      track(`new${i}`, p.run({ action: "busy", ms: 100 }, [], { patient: true })),
    );
    const ordinary = [track("a", p.run({ action: "busy", ms: 100 })), track("b", p.run({ action: "busy", ms: 100 }))];
    // A third ordinary frame finds their queue full (maxQueue 2): refused, as without patient frames.
    const refused = await p.run({ action: "busy", ms: 100 }).catch((e) => e);
    expect(refused).toBeInstanceOf(PoolError);
    expect(refused.code).toBe("overloaded");
    await Promise.all([blocker, ...patient, ...ordinary]);
    expect(order).toEqual(["blocker", "a", "b", "new0", "new1", "new2", "new3", "new4"]);
    expect(shed).toEqual(["overloaded"]);
  });

  test("without patience configured a patient frame is an ordinary one; the patient queue has its own bound", async () => {
    const p = await startPool({ size: 1, maxQueue: 1, maxQueueWaitMs: 250 });
    const blocker = p.run({ action: "busy", ms: 100 });
    const queued = p.run({ action: "busy", ms: 10 }, [], { patient: true });
    expect((await p.run({ action: "echo", value: 1 }, [], { patient: true }).catch((e) => e)).code).toBe("overloaded");
    await Promise.all([blocker, queued]);
    await p.close();
    const q = await startPool({
      size: 1,
      maxQueue: 10,
      maxQueueWaitMs: 10_000,
      patience: { extraWaitMs: 1000, maxQueue: 2 },
    });
    const running = q.run({ action: "busy", ms: 100 });
    const two = [
      q.run({ action: "busy", ms: 10 }, [], { patient: true }),
      q.run({ action: "busy", ms: 10 }, [], { patient: true }),
    ];
    expect((await q.run({ action: "echo", value: 1 }, [], { patient: true }).catch((e) => e)).code).toBe("overloaded");
    expect((await Promise.all([running, ...two])).length).toBe(3);
  });

  test("a patient frame past its extra wait goes ahead of newer ordinary frames: it is never starved", async () => {
    const p = await startPool({
      size: 1,
      maxQueue: 100,
      queueDeadlineMs: 5000,
      patience: { extraWaitMs: 150, maxQueue: 10 },
    });
    const order: string[] = [];
    const blocker = p.run({ action: "busy", ms: 300 }).then(() => order.push("blocker"));
    const patient = p.run({ action: "echo", value: 1 }, [], { patient: true }).then(() => order.push("new"));
    await Bun.sleep(200);
    // Queued 200 ms after the patient frame, whose allowance (150 ms) has run out: it is served first.
    const ordinary = p.run({ action: "echo", value: 2 }).then(() => order.push("ordinary"));
    await Promise.all([blocker, patient, ordinary]);
    expect(order).toEqual(["blocker", "new", "ordinary"]);
  });

  test("Retry-After of a refused frame is its expected wait in whole seconds, at least 1, whichever bound refused it", async () => {
    const p = await startPool({
      size: 1,
      maxQueue: 100,
      maxQueueWaitMs: 1000,
      queueDeadlineMs: 10_000,
      jobTimeoutMs: 5000,
    });
    for (let i = 0; i < 3; i++) await p.run({ action: "busy", ms: 300 });
    const running = [
      p.run({ action: "busy", ms: 300 }),
      ...Array.from({ length: 3 }, () => p.run({ action: "busy", ms: 300 })),
    ];
    // Behind the running frame and three more: about (3 + 0.5) x 300 = 1050 ms.
    const refused = await p.run({ action: "busy", ms: 300 }).catch((e) => e);
    expect(refused.code).toBe("overloaded");
    expect(refused.retryAfterSeconds).toBe(2);
    await Promise.all(running);
    await p.close();
    // The count bound of the patient queue: behind a running frame, four ordinary ones and two patient ones
    // (300 ms each) a frame would wait about (6 + 0.5) x 300 = 1950 ms: Retry-After 2.
    const q = await startPool({
      size: 1,
      maxQueue: 10,
      maxQueueWaitMs: 10_000,
      queueDeadlineMs: 10_000,
      jobTimeoutMs: 5000,
      patience: { extraWaitMs: 10_000, maxQueue: 2 },
    });
    for (let i = 0; i < 3; i++) await q.run({ action: "busy", ms: 300 });
    const queued = [
      q.run({ action: "busy", ms: 300 }),
      ...Array.from({ length: 4 }, () => q.run({ action: "busy", ms: 300 })),
    ];
    queued.push(
      q.run({ action: "busy", ms: 300 }, [], { patient: true }),
      q.run({ action: "busy", ms: 300 }, [], { patient: true }),
    );
    const full = await q.run({ action: "busy", ms: 300 }, [], { patient: true }).catch((e) => e);
    expect(full.code).toBe("overloaded");
    expect(full.message).toMatch(/2 frames are waiting/);
    expect(full.retryAfterSeconds).toBe(2);
    await Promise.all(queued);
  });

  test("a refused frame's Retry-After is at least the pool's minimum (minRetryAfterMs), in whole seconds", async () => {
    let minimumMs = 0;
    const p = await startPool({ size: 1, maxQueue: 1, minRetryAfterMs: () => minimumMs });
    const admitted = [p.run({ action: "busy", ms: 200 }), p.run({ action: "busy", ms: 10 })];
    const refusedOne = async () => (await p.run({ action: "echo", value: 0 }).catch((e) => e)) as PoolError;
    expect((await refusedOne()).retryAfterSeconds).toBe(1);
    minimumMs = 5500;
    expect((await refusedOne()).retryAfterSeconds).toBe(6);
    await Promise.all(admitted);
  });

  test("an urgent frame (a session in transition) goes ahead of the waiting frames; refused, it is told its expected wait", async () => {
    const p = await startPool({ size: 1, maxQueue: 2, minRetryAfterMs: () => 8000 });
    const order: string[] = [];
    const track = (name: string, job: Promise<unknown>) => job.then(() => order.push(name));
    const running = track("running", p.run({ action: "busy", ms: 300 }));
    const waiting = [
      track("first", p.run({ action: "echo", value: 1 })),
      track("second", p.run({ action: "echo", value: 2 })),
    ];
    // The queue is full: an ordinary frame is refused with the minimum; urgent ones go ahead, up to the queue's size.
    const ordinary = (await p.run({ action: "echo", value: 0 }).catch((e) => e)) as PoolError;
    expect(ordinary.retryAfterSeconds).toBe(8);
    const urgent = [
      track("urgent 1", p.run({ action: "echo", value: 3 }, [], { urgent: true })),
      track("urgent 2", p.run({ action: "echo", value: 4 }, [], { urgent: true })),
    ];
    const refused = (await p.run({ action: "echo", value: 5 }, [], { urgent: true }).catch((e) => e)) as PoolError;
    expect(refused.code).toBe("overloaded");
    expect(refused.retryAfterSeconds).toBe(1);
    await Promise.all([running, ...waiting, ...urgent]);
    expect(order).toEqual(["running", "urgent 1", "urgent 2", "first", "second"]);
  });

  test("with a worker free an urgent frame waits for nothing, as any frame: it is not refused on a frame's cost alone", async () => {
    const p = await startPool({ size: 1, maxQueue: 4, maxQueueWaitMs: 100 });
    // A frame costs 300 ms here: half of one is past the 100 ms bound, but the worker is free.
    await p.run({ action: "busy", ms: 300 });
    expect((await p.run({ action: "echo", value: 1 })).value).toBe(1);
    expect((await p.run({ action: "echo", value: 2 }, [], { urgent: true })).value).toBe(2);
  });

  test("refused new sessions' first frames are told to come back when the calendar has room for them, and booked there", async () => {
    // A calendar on a clock held at 0: a one-second bin has room for 1000 ms of worker time, three 300 ms frames.
    const calendar = new FrameCalendar(
      { workers: 1, cores: 16, binMs: 1000, share: 1 },
      () => 0,
      () => 0,
    );
    const p = await startPool({
      size: 1,
      maxQueue: 10,
      queueDeadlineMs: 10_000,
      jobTimeoutMs: 5000,
      patience: { extraWaitMs: 10_000, maxQueue: 1 },
      calendar,
    });
    // A first frame costs 300 ms here (a little more: the worker's own time).
    for (let i = 0; i < 3; i++) await p.run({ action: "busy", ms: 300 }, [], { patient: true });
    const admitted = [
      p.run({ action: "busy", ms: 300 }, [], { patient: true }),
      p.run({ action: "busy", ms: 300 }, [], { patient: true }),
    ];
    const retries: number[] = [];
    for (let i = 0; i < 10; i++) {
      const refused = (await p.run({ action: "echo", value: 0 }, [], { patient: true }).catch((e) => e)) as PoolError;
      expect(refused.code).toBe("overloaded");
      retries.push(refused.retryAfterSeconds);
    }
    // Behind one waiting first frame ((1 + 0.5) x 300 = 450 ms): 1 s, its client back within 1-1.5 s (bin 1), three
    // of them; then 2 s (back within 2-3 s: half a frame in bins 2 and 3), six; then bin 3 is full for 3 s (3-4.5 s),
    // so 4 s (4-6 s, a third in bins 4, 5 and 6).
    expect(retries).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 2, 4]);
    expect(calendar.bookedAt(1000) / 300).toBeCloseTo(3, 1);
    expect(calendar.bookedAt(3000) / 300).toBeCloseTo(3, 1);
    await Promise.all(admitted);
  });
});
