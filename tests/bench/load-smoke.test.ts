/**
 * Keeps the load benchmark working: a few seconds with two users, baselines included. It checks that the
 * bench runs and reports what it should, never how fast anything is (that is what the bench is for).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const out = mkdtempSync(join(tmpdir(), "vigil-bench-smoke-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test("bench/load/run-load.ts --smoke runs the scenario and writes its report", async () => {
  const child = Bun.spawn([process.execPath, "bench/load/run-load.ts", "--smoke", "--out", out], {
    cwd: new URL("../../", import.meta.url).pathname,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  expect(code, stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(out, "load-smoke.json"), "utf8"));
  const [step] = report.withSessions;
  expect(step.users).toBe(2);
  expect(step.sent).toBeGreaterThan(0);
  expect(step.ok).toBeGreaterThan(0);
  expect(step.errors).toBe(0);
  expect(step.latencyMs.p50).toBeGreaterThan(0);
  expect(step.serverPeakRssMb).toBeGreaterThan(0);
  for (const value of Object.values(report.baselines)) expect(value as number).toBeGreaterThan(0);
  // Cost per answered frame, the server's beside the engine's for the same mix of frames.
  expect(step.serverCpuMsPerFrame).toBeGreaterThan(0);
  expect(step.minorFaultsPerFrame).toBeGreaterThan(0);
  expect(report.costPerFrame.engineCpuMs).toBeGreaterThan(0);
  expect(report.costPerFrame.engineMix.trackedShare).toBeGreaterThan(0);
  expect(report.ratios.perWorkerScaling).toBeGreaterThan(0);
  // The newer clients' scenarios: measured (a capacity and steps) or said to be not measured, never faked.
  for (const [key, field] of [
    ["faceCrop", "capacityUsersFaceCrop"],
    ["paced", "capacityUsersPaced"],
  ]) {
    const scenario = report.scenarios[key];
    if (scenario.measured) {
      expect(scenario.steps[0].mode).toBe(key === "faceCrop" ? "crop" : "paced");
      expect(report[field]).toBe(scenario.capacityUsers);
    } else {
      expect(report[field]).toBeNull();
      expect(scenario.note).toContain("does not support");
    }
  }
  // Load-aware pacing: the paced users stepped up with it and without it, the class start on both servers, and the
  // paced overloads at 2x and 3x; the fields load-latest.json records.
  expect(report.capacityUsersPaced).toBeGreaterThan(0);
  expect(report.capacityUsersPacedStatic).toBeGreaterThan(0);
  expect(report.scenarios.pacedStatic.steps[0].mode).toBe("paced");
  for (const classStart of [report.classStart, report.classStartStatic]) {
    expect(classStart).toMatchObject({ users: 3, onto: 3, errors: 0, withoutState: 0 });
    for (const field of ["refused", "deferred", "deferredMeanMs", "p99Ms", "secondsToState"])
      expect(typeof classStart[field]).toBe("number");
    // Every frame of the class step: the steady users' and the new ones'.
    expect(classStart.sent).toBeGreaterThan(3);
    expect(classStart.secondsToState).toBeGreaterThan(0);
    // Its seconds, bin by bin, as many frames as were counted.
    expect(classStart.timeline.reduce((n: number, bin: { frames: number }) => n + bin.frames, 0)).toBe(classStart.sent);
  }
  expect(report.overloadPaced).toMatchObject({ base: "capacityUsersPaced", baseUsers: report.capacityUsersPaced });
  expect(report.overloadPaced.x2.users).toBe(2 * report.capacityUsersPaced);
  expect(report.overloadPaced.x3.users).toBe(3 * report.capacityUsersPaced);
  for (const o of [report.overloadPaced.x2, report.overloadPaced.x3]) {
    expect(o.sent).toBeGreaterThan(0);
    expect(o.shedShare).toBeGreaterThanOrEqual(0);
    expect(o.shedShare).toBeLessThanOrEqual(1);
    // Its counted frames binned by time, every one of them in a bin.
    expect(o.timeline.reduce((n: number, b: { frames: number }) => n + b.frames, 0)).toBe(o.sent);
  }
  const md = readFileSync(join(out, "load-smoke.md"), "utf8");
  expect(md).toContain("| users | p50 ms |");
  expect(md).toContain("## Load-aware pacing (same run)");
}, 240_000);
