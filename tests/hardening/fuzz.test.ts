/**
 * Thousands of hostile inputs (fuzz-corpus.ts) against the real server: every answer is a well-formed JSON
 * error with an expected status or a valid analysis, no worker dies for good, and the server's memory comes
 * back to its working level (measured on a server in its own process).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { residentMb, startBenchServer } from "../../bench/lib/server-process";
import { fuzzCorpus } from "./fuzz-corpus";

const CASES = 2000;
let server: Awaited<ReturnType<typeof startBenchServer>>;
let url = "";

const rssMb = () => residentMb(server.child.pid);

beforeAll(async () => {
  // Its own process, so its memory can be read; no keys or per-client limits (one client sends everything).
  server = await startBenchServer(2, ["--max-image-pixels", "8000000"]);
  url = server.url;
}, 60_000);
afterAll(async () => {
  server.child.kill("SIGTERM");
  await server.child.exited;
});

const EXPECTED_STATUS = new Set([200, 400, 413, 415, 422, 503]);

test(`${CASES} hostile inputs: only well-formed answers, no worker lost for good, memory back to its level`, async () => {
  const corpus = await fuzzCorpus(CASES);
  const valid = new Uint8Array(
    readFileSync(new URL("../fixtures/grace_hopper.jpg", import.meta.url)),
  ) as Uint8Array<ArrayBuffer>;
  const post = (body: Uint8Array<ArrayBuffer>, contentType: string | null) =>
    fetch(`${url}/v1/analyze`, { method: "POST", body, headers: contentType ? { "content-type": contentType } : {} });
  // Baseline: the server after ordinary frames. Workers that meet an unusually large image (over 4 MP) are
  // replaced after answering, since WASM memory grows to fit it and never shrinks.
  for (let i = 0; i < 20; i++) await (await post(valid, "image/jpeg")).arrayBuffer();
  // Measured after the idle collector has run (5 s after the last request), as the end is.
  await Bun.sleep(7000);
  const baseline = rssMb();

  const byStatus: Record<number, number> = {};
  const problems: string[] = [];
  let peak = baseline;
  for (let i = 0; i < corpus.length; i += 8) {
    await Promise.all(
      corpus.slice(i, i + 8).map(async (c, k) => {
        const response = await post(c.body, c.contentType).catch((e) => e as Error);
        if (response instanceof Error) return problems.push(`#${i + k} ${c.kind}: no answer (${response.message})`);
        byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
        const text = await response.text();
        let body: any;
        try {
          body = JSON.parse(text);
        } catch {
          return problems.push(`#${i + k} ${c.kind}: status ${response.status}, not JSON: ${text.slice(0, 80)}`);
        }
        if (!EXPECTED_STATUS.has(response.status))
          problems.push(`#${i + k} ${c.kind}: unexpected status ${response.status} ${text.slice(0, 120)}`);
        else if (response.status === 200 && !(typeof body.person?.present === "boolean" && Array.isArray(body.faces)))
          problems.push(`#${i + k} ${c.kind}: 200 without an analysis`);
        else if (
          response.status !== 200 &&
          !(typeof body.error?.code === "string" && typeof body.error?.message === "string")
        )
          problems.push(`#${i + k} ${c.kind}: error without code and message`);
      }),
    );
    peak = Math.max(peak, rssMb());
  }
  expect(problems).toEqual([]);
  // Every worker is (back) up.
  for (let i = 0; i < 100 && !(await fetch(`${url}/readyz`)).ok; i++) await Bun.sleep(100);
  const ready = await (await fetch(`${url}/readyz`)).json();
  expect(ready.status).toBe("ready");
  expect(ready.workers.ready).toBe(2);
  expect((await post(valid, "image/jpeg")).status).toBe(200);
  // Memory returns to its working level once the storm is over.
  // The idle collector runs 5 s after the last request (src/pool/idle-collector.ts).
  await Bun.sleep(7000);
  const after = rssMb();
  console.log(
    `fuzz: ${CASES} inputs, statuses ${JSON.stringify(byStatus)}, restarts ${ready.workers.restarts}, recycled ${ready.workers.recycled}, RSS baseline ${baseline.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, after ${after.toFixed(0)} MB`,
  );
  expect(ready.workers.restarts).toBe(0);
  expect(after).toBeLessThan(baseline * 1.15 + 30);
  // The corpus really exercised the refusals: each family of error showed up.
  for (const status of [400, 413, 415, 422]) expect(byStatus[status] ?? 0).toBeGreaterThan(0);
}, 300_000);
