/**
 * The endurance bench in short (CI's version): three 15-second "minutes" at a light load. It checks that the
 * run completes without a lost frame and that memory does not run away; how fast anything is stays in bench/.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const out = mkdtempSync(join(tmpdir(), "vigil-endurance-smoke-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test("bench/load/endurance.ts holds a load without errors and with flat memory", async () => {
  const child = Bun.spawn(
    [
      process.execPath,
      "bench/load/endurance.ts",
      "--minutes",
      "3",
      "--minute-seconds",
      "15",
      "--users",
      "8",
      "--out",
      out,
    ],
    {
      cwd: new URL("../../", import.meta.url).pathname,
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  expect(code, stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(out, readdirSync(out).find((f) => f.endsWith(".json"))!), "utf8"));
  expect(report.totals.sent).toBeGreaterThan(300);
  expect(report.totals.errors).toBe(0);
  expect(report.stayedUp).toBe(true);
  expect(report.memory.samples.length).toBeGreaterThan(5);
  // 45 s is mostly warm-up, too short for the bench's flatness verdict (about one run in three read
  // warm-up growth as a trend); what it can show is that memory does not run away. Flatness is judged by
  // the long runs recorded in bench/results/endurance-*.md.
  expect(typeof report.memory.flat).toBe("boolean");
  expect(report.memory.lastMinuteMb).toBeLessThan(report.memory.referenceMb * 1.5 + 50);
}, 180_000);
