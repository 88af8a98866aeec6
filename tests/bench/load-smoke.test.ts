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
  const child = Bun.spawn([process.execPath, "bench/load/run-load.ts", "--smoke", "--out", out], { cwd: new URL("../../", import.meta.url).pathname, stdout: "pipe", stderr: "pipe" });
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
  for (const [key, field] of [["faceCrop", "capacityUsersFaceCrop"], ["paced", "capacityUsersPaced"]]) {
    const scenario = report.scenarios[key];
    if (scenario.measured) {
      expect(scenario.steps[0].mode).toBe(key === "faceCrop" ? "crop" : "paced");
      expect(report[field]).toBe(scenario.capacityUsers);
    } else {
      expect(report[field]).toBeNull();
      expect(scenario.note).toContain("does not support");
    }
  }
  expect(readFileSync(join(out, "load-smoke.md"), "utf8")).toContain("| users | p50 ms |");
}, 120_000);
