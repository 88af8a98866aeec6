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
  expect(readFileSync(join(out, "load-smoke.md"), "utf8")).toContain("| users | p50 ms |");
}, 120_000);
