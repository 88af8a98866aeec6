/**
 * Two Vigil instances behind a real nginx (Debian's package; .ci/run installs it) using the repository's
 * own deploy/nginx/vigil.conf with only the addresses replaced: one session's frames keep their history
 * through the balancer, sessions spread over both instances, and when the instance holding a session dies
 * the session continues on the other one with an empty history that says so.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureBytes } from "../support/images";
import { startTestServer } from "../support/server";

const nginxBinary = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => Bun.file(p).size > 0);
// CI installs nginx and must run this; a developer machine without nginx skips it, saying why.
const skip = !nginxBinary && !process.env.CI;
if (skip) console.warn("nginx-balancer test skipped: nginx is not installed (apt-get install nginx-light; .ci/run does)");

type Server = Awaited<ReturnType<typeof startTestServer>>;
const instances: Record<string, Server> = {};
let nginx: ReturnType<typeof Bun.spawn> | undefined;
let balancer = "";
const prefix = mkdtempSync(join(tmpdir(), "vigil-nginx-"));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  if (skip) return;
  if (!nginxBinary) throw new Error("nginx is required in CI (.ci/run installs nginx-light)");
  for (const id of ["vigil-a", "vigil-b"]) instances[id] = await startTestServer({ VIGIL_WORKERS: "1", VIGIL_INSTANCE_ID: id });
  const port = await freePort();
  balancer = `http://127.0.0.1:${port}`;
  const site = readFileSync(new URL("../../deploy/nginx/vigil.conf", import.meta.url), "utf8")
    .replace(/^\s*server\s+vigil-\d\.vigil:8080[^;]*;\s*$/gm, "")
    .replace(/upstream vigil \{/, `upstream vigil {\n${Object.values(instances).map((s) => `    server ${new URL(s.url).host} max_fails=1 fail_timeout=5s;`).join("\n")}`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  writeFileSync(join(prefix, "vigil.conf"), site);
  writeFileSync(
    join(prefix, "nginx.conf"),
    `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n  client_body_temp_path ${prefix}/body;\n  proxy_temp_path ${prefix}/proxy;\n  include ${prefix}/vigil.conf;\n}\n`,
  );
  nginx = Bun.spawn([nginxBinary, "-p", prefix, "-c", join(prefix, "nginx.conf"), "-g", "daemon off;"], { stdout: "inherit", stderr: "inherit" });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`${balancer}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error("nginx did not come up");
    await Bun.sleep(50);
  }
});

afterAll(async () => {
  nginx?.kill();
  await nginx?.exited;
  for (const server of Object.values(instances)) await server.stop().catch(() => {});
  rmSync(prefix, { recursive: true, force: true });
});

const T0 = Date.now() - 120_000;
async function frame(session: string, second: number) {
  const response = await fetch(`${balancer}/v1/analyze`, {
    method: "POST",
    body: await fixtureBytes("grace_hopper.jpg"),
    headers: { "content-type": "image/jpeg", "x-session-id": session, "x-capture-time": String(T0 + second * 1000) },
  });
  expect(response.status).toBe(200);
  return { instance: response.headers.get("x-vigil-instance")!, session: (await response.json()).session };
}

test.skipIf(skip)("one session's frames keep their history through nginx; sessions spread over both instances", async () => {
  const served: string[] = [];
  for (let s = 0; s < 6; s++) {
    const { instance, session } = await frame("sticky-session-1", s);
    served.push(instance);
    expect(session.frames).toBe(s + 1);
    expect(session.fresh).toBe(s === 0);
  }
  expect(new Set(served).size).toBe(1);
  const spread = new Set<string>();
  for (let i = 0; i < 16; i++) spread.add((await frame(`spread-session-${i}`, 0)).instance);
  expect([...spread].sort()).toEqual(["vigil-a", "vigil-b"]);
});

test.skipIf(skip)("when the instance holding a session dies, the session restarts on the other with an empty history", async () => {
  const holder = (await frame("sticky-session-1", 6)).instance;
  await instances[holder].stop();
  const after = await frame("sticky-session-1", 7);
  expect(after.instance).not.toBe(holder);
  expect(after.session).toMatchObject({ frames: 1, fresh: true });
  const next = await frame("sticky-session-1", 8);
  expect(next.instance).toBe(after.instance);
  expect(next.session).toMatchObject({ frames: 2, fresh: false });
});
