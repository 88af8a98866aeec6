/**
 * The container image, built and run for real: `npm run image` (buildah, the repository's Dockerfile) once,
 * then podman runs it as an operator would, with a read-only root (and no tmpfs), a 512 MB memory limit and
 * its non-root user: ready, a real photo analysed, metrics, 30 users for 10 s within the memory limit, no
 * outbound connection, SIGTERM with frames in flight (each answered, exit 0), two containers sharing
 * sessions through a Redis on the host, and rediss:// to a TLS Redis whose certificate is verified.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureBytes } from "../support/images";
import {
  freePort,
  redisServerBinary,
  startRedisServer,
  type RedisServer,
  type RedisTls,
} from "../support/redis-server";

const repo = new URL("../../", import.meta.url).pathname;
const podmanBinary = ["/usr/bin/podman", "/usr/local/bin/podman"].find((p) => Bun.file(p).size > 0);
const buildahBinary = ["/usr/bin/buildah", "/usr/local/bin/buildah"].find((p) => Bun.file(p).size > 0);
const skip = !(podmanBinary && buildahBinary && redisServerBinary) && !process.env.CI;
if (skip)
  console.warn("container tests skipped: podman, buildah or redis-server is not installed (.ci/run installs them)");

const VERSION = JSON.parse(readFileSync(`${repo}package.json`, "utf8")).version as string;
const IMAGE = `localhost/vigil:${VERSION}`;
const MEMORY_LIMIT = 512 * 1024 * 1024;
// runc and cgroupfs: the default crun cannot raise rlimits or use the cgroup layout of the CI machines.
const PODMAN = [podmanBinary ?? "podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"];
/** How the operator runs it (docs/operations.md), less the port and the environment. */
const RUN_FLAGS = [
  "run",
  "--detach",
  "--read-only",
  "--read-only-tmpfs=false",
  `--memory=${MEMORY_LIMIT}`,
  `--memory-swap=${MEMORY_LIMIT}`,
  "--cap-drop=all",
  "--security-opt=no-new-privileges",
  "--ulimit=nofile=1024:1024",
  "--ulimit=nproc=1024:1024",
];
// Every frame comes from one address here: the per-caller limits would count the 30 users as one.
const ENV = {
  VIGIL_AUTH: "none",
  VIGIL_WORKERS: "2",
  VIGIL_LOG_FORMAT: "json",
  VIGIL_SHUTDOWN_GRACE_MS: "20000",
  VIGIL_RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "1000",
  VIGIL_MAX_IN_FLIGHT_PER_PRINCIPAL: "1000",
};

const started: string[] = [];
let redis: RedisServer | undefined;
let tlsRedis: RedisServer | undefined;
const certificates = mkdtempSync(join(tmpdir(), "vigil-container-tls-"));

function podman(...args: string[]) {
  const result = Bun.spawnSync([...PODMAN, ...args], { stdout: "pipe", stderr: "pipe" });
  return {
    exitCode: result.exitCode,
    stdout: result.stdout.toString().trim(),
    stderr: result.stderr.toString().trim(),
  };
}

function runContainer(name: string, network: string[], env: Record<string, string>): string {
  const envFlags = Object.entries({ ...ENV, ...env }).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
  const result = podman(...RUN_FLAGS, "--name", name, ...network, ...envFlags, IMAGE);
  expect(result.exitCode, result.stderr).toBe(0);
  started.push(name);
  return name;
}

const inspect = (name: string, format: string) => podman("inspect", "--format", format, name).stdout;
const logLines = (name: string) => podman("logs", name).stdout.split("\n").filter(Boolean);

async function waitReady(url: string, name: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined);
    if (response?.status === 200) return response.json();
    if (inspect(name, "{{.State.Running}}") !== "true") break;
    await Bun.sleep(200);
  }
  throw new Error(`${name} did not become ready:\n${podman("logs", name).stdout}${podman("logs", name).stderr}`);
}

/** The container's highest memory use so far, from its cgroup (v1 or v2). */
function peakMemory(name: string): number {
  const pid = inspect(name, "{{.State.Pid}}");
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  if (v1) return Number(readFileSync(`/sys/fs/cgroup/memory${v1.split(":")[2]}/memory.max_usage_in_bytes`, "utf8"));
  const v2 = lines.find((l) => l.startsWith("0::"))!;
  return Number(readFileSync(`/sys/fs/cgroup${v2.slice(3)}/memory.peak`, "utf8"));
}

/** The sockets of the container's network namespace: protocol, local and remote port, state. */
function sockets(name: string) {
  const pid = inspect(name, "{{.State.Pid}}");
  return ["tcp", "tcp6", "udp", "udp6"].flatMap((protocol) =>
    readFileSync(`/proc/${pid}/net/${protocol}`, "utf8")
      .split("\n")
      .slice(1)
      .filter((l) => l.trim())
      .map((l) => {
        const [, local, remote, state] = l.trim().split(/\s+/);
        return { protocol, localPort: parseInt(local.split(":")[1], 16), remote, state };
      }),
  );
}

const photo = await fixtureBytes("grace_hopper.jpg");
const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/analyze`, { method: "POST", body: photo, headers: { "content-type": "image/jpeg", ...headers } });

beforeAll(() => {
  if (skip) return;
  const build = Bun.spawnSync(["deploy/image/build-image.sh"], { cwd: repo, stdout: "pipe", stderr: "pipe" });
  expect(build.exitCode, build.stderr.toString()).toBe(0);
  console.log(build.stdout.toString().trim().split("\n").at(-1));
}, 300_000);

afterAll(async () => {
  for (const name of started) podman("rm", "--force", "--time", "0", name);
  await redis?.stop();
  await tlsRedis?.stop();
  rmSync(certificates, { recursive: true, force: true });
});

/** A CA and a certificate for 127.0.0.1 signed by it (openssl), for a TLS Redis. */
function makeCertificates(): RedisTls {
  const file = (name: string) => join(certificates, name);
  const openssl = (command: string) => {
    const result = Bun.spawnSync(["openssl", ...command.split(" ")], {
      cwd: certificates,
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(result.exitCode, result.stderr.toString()).toBe(0);
  };
  openssl("req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=vigil-test-ca");
  openssl("req -newkey rsa:2048 -nodes -keyout redis.key -out redis.csr -subj /CN=127.0.0.1");
  writeFileSync(file("san.cnf"), "subjectAltName=IP:127.0.0.1\n");
  openssl("x509 -req -in redis.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out redis.pem -days 1 -extfile san.cnf");
  return { certFile: file("redis.pem"), keyFile: file("redis.key"), caFile: file("ca.pem") };
}

describe.skipIf(skip)("the image", () => {
  test("holds the binary, glibc's files, the CA roots and the non-root user, and nothing else", () => {
    expect(inspect(IMAGE, "{{.Config.User}} {{json .Config.Entrypoint}}")).toBe('65532:65532 ["/vigil","serve"]');
    const container = podman("create", IMAGE).stdout;
    try {
      const files = Bun.spawnSync(["sh", "-c", `${PODMAN.join(" ")} export ${container} | tar -t`], {
        stdout: "pipe",
      }).stdout.toString();
      const listed = files
        .split("\n")
        .filter((f) => f && !f.endsWith("/"))
        .sort();
      // The runtime adds its own mount points (/etc/hosts, /etc/resolv.conf, /dev, /proc, /sys, /run) when it runs it.
      const own = listed.filter(
        (f) => !/^(dev|proc|sys|run)\/|^etc\/(hosts|resolv\.conf|hostname)$|^\.containerenv$/.test(f),
      );
      expect(own).toEqual([
        "etc/group",
        "etc/nsswitch.conf",
        "etc/passwd",
        "etc/ssl/certs/ca-certificates.crt",
        "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        "lib/x86_64-linux-gnu/libc.so.6",
        "lib/x86_64-linux-gnu/libdl.so.2",
        "lib/x86_64-linux-gnu/libm.so.6",
        "lib/x86_64-linux-gnu/libpthread.so.0",
        "lib64/ld-linux-x86-64.so.2",
        "vigil",
      ]);
    } finally {
      podman("rm", container);
    }
    console.log(`image size: ${(Number(inspect(IMAGE, "{{.Size}}")) / 1e6).toFixed(1)} MB`);
  });
});

describe.skipIf(skip)("one container: read-only root, 512 MB, non-root", () => {
  let url = "";
  const name = `vigil-test-${process.pid}-a`;
  beforeAll(async () => {
    const port = await freePort();
    runContainer(name, ["--publish", `127.0.0.1:${port}:8080`], { VIGIL_INSTANCE_ID: "container-a" });
    url = `http://127.0.0.1:${port}`;
    await waitReady(url, name);
  }, 90_000);

  test("ready, a real photo analysed, metrics; runs as uid 65532", async () => {
    const ready = await (await fetch(`${url}/readyz`)).json();
    expect(ready).toMatchObject({ status: "ready", workers: { size: 2, ready: 2 } });
    const response = await post(url, { "x-request-id": "container-frame-1" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("container-frame-1");
    const body = await response.json();
    expect(body.person).toEqual({ present: true, count: 1 });
    expect(body.faces[0].eyes.left.closed).toBe(false);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain("vigil_workers_ready 2");
    expect(metrics).toMatch(
      /vigil_http_request_duration_seconds_count\{method="POST",route="\/v1\/analyze",status="200"\} 1\b/,
    );
    const pid = inspect(name, "{{.State.Pid}}");
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(status).toMatch(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
    expect(status).toMatch(/^Gid:\s+65532\s+65532\s+65532\s+65532$/m);
    // The JSON log has the frame's line under its request id.
    const line = logLines(name)
      .map((l) => JSON.parse(l))
      .find((r) => r.requestId === "container-frame-1");
    expect(line).toMatchObject({ route: "/v1/analyze", status: 200, instance: "container-a", level: "info" });
  });

  test("30 users, one frame a second each for 10 s: every frame answered, within the memory limit", async () => {
    const statuses = new Map<number | string, number>();
    const users = Array.from({ length: 30 }, async (_, user) => {
      await Bun.sleep((user * 1000) / 30); // unsynchronised cameras
      for (let second = 0; second < 10; second++) {
        const next = Bun.sleep(1000);
        const response = await post(url, {
          "x-session-id": `container-user-${user}`,
          "x-capture-time": String(Date.now()),
        }).catch((e: Error) => e);
        const key = response instanceof Error ? response.message : response.status;
        if (!(response instanceof Error)) await response.arrayBuffer();
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        await next;
      }
    });
    await Promise.all(users);
    const peak = peakMemory(name);
    console.log(
      `30 users x 10 s: ${JSON.stringify(Object.fromEntries(statuses))}; peak memory ${(peak / 2 ** 20).toFixed(0)} MiB of 512`,
    );
    // Answered: analysed (200) or shed (503) when two shared cores cannot keep up; never a failed connection.
    expect([...statuses.keys()].filter((k) => k !== 200 && k !== 503)).toEqual([]);
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(peak).toBeLessThan(MEMORY_LIMIT);
    expect(inspect(name, "{{.State.OOMKilled}} {{.State.Running}}")).toBe("false true");
  }, 60_000);

  test("no outbound connection: every socket of its network namespace is its own port 8080", () => {
    const open = sockets(name);
    expect(open.some((s) => s.localPort === 8080 && s.state === "0A")).toBe(true); // listening
    expect(open.filter((s) => s.localPort !== 8080)).toEqual([]);
  });

  test("SIGTERM with frames in flight: each is answered, then it exits 0", async () => {
    // The signal is sent with kill(2) to the container's process, as `podman kill` sends it, but without podman's
    // own start-up, which on a loaded machine can outlast every frame in flight.
    const pid = Number(inspect(name, "{{.State.Pid}}"));
    expect(pid).toBeGreaterThan(1);
    let answered = 0;
    const burst = Array.from({ length: 20 }, (_, i) =>
      post(url, { "x-request-id": `drain-${i}`, "x-session-id": `drain-session-${i}` }).then(async (r) => {
        const answer = { status: r.status, body: await r.json() };
        answered++;
        return answer;
      }),
    );
    // Signal once the server has every frame (in flight by its count, less the metrics request itself, or
    // already answered) and some are still in flight. Frames that would wait too long are shed (503) at once.
    let inFlight = 0;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await Bun.sleep(2)) {
      const before = answered;
      const metrics = await (await fetch(`${url}/metrics`)).text();
      inFlight = Number(metrics.match(/^vigil_http_requests_in_flight (\d+)/m)?.[1]) - 1;
      if (inFlight >= 1 && inFlight + before >= 20) break;
    }
    expect(inFlight).toBeGreaterThan(0);
    process.kill(pid, "SIGTERM");
    const answers = await Promise.all(burst);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    expect(podman("wait", name).stdout).toBe("0");
    const log = logLines(name).map((l) => JSON.parse(l));
    const signalled = log.findIndex((r) => r.msg === "SIGTERM: no new connections, finishing in-flight frames");
    expect(signalled).toBeGreaterThan(-1);
    // Frames were still analysed and answered after the signal, and the process said it stopped.
    const drained = log.slice(signalled).filter((r) => String(r.requestId).startsWith("drain-") && r.status === 200);
    console.log(`SIGTERM with ${inFlight} frames in flight: ${drained.length} answered 200 after it`);
    expect(drained.length).toBeGreaterThan(0);
    expect(log.at(-1)?.msg).toBe("stopped");
  }, 60_000);
});

describe.skipIf(skip)("isolation and sharing", () => {
  test("with no network at all it starts, loads its models and stays up", async () => {
    const name = runContainer(`vigil-test-${process.pid}-offline`, ["--network", "none"], {});
    const deadline = Date.now() + 60_000;
    while (!logLines(name).some((l) => JSON.parse(l).msg === "all workers ready") && Date.now() < deadline)
      await Bun.sleep(200);
    expect(logLines(name).map((l) => JSON.parse(l).msg)).toContain("all workers ready");
    expect(inspect(name, "{{.State.Running}}")).toBe("true");
    podman("rm", "--force", "--time", "0", name);
  }, 90_000);

  test("two containers share a session through a Redis on the host", async () => {
    redis = await startRedisServer();
    const [portB, portC] = [await freePort(), await freePort()];
    const host = ["--network", "host"];
    const common = { VIGIL_HOST: "127.0.0.1", VIGIL_REDIS_URL: redis.url };
    const b = runContainer(`vigil-test-${process.pid}-b`, host, {
      ...common,
      VIGIL_PORT: String(portB),
      VIGIL_INSTANCE_ID: "b",
      VIGIL_WORKERS: "1",
    });
    const c = runContainer(`vigil-test-${process.pid}-c`, host, {
      ...common,
      VIGIL_PORT: String(portC),
      VIGIL_INSTANCE_ID: "c",
      VIGIL_WORKERS: "1",
    });
    const [urlB, urlC] = [`http://127.0.0.1:${portB}`, `http://127.0.0.1:${portC}`];
    expect(await waitReady(urlB, b)).toMatchObject({ sessions: { store: "redis", available: true } });
    await waitReady(urlC, c);
    const t0 = Date.now() - 10_000;
    const frames = [];
    for (const [i, url] of [urlB, urlC, urlB, urlC].entries()) {
      const response = await post(url, { "x-session-id": "shared-session", "x-capture-time": String(t0 + i * 1000) });
      expect(response.status).toBe(200);
      frames.push({ instance: response.headers.get("x-vigil-instance"), session: (await response.json()).session });
    }
    expect(frames.map((f) => f.instance)).toEqual(["b", "c", "b", "c"]);
    expect(frames.map((f) => f.session.frames)).toEqual([1, 2, 3, 4]);
    const fromB = await (await fetch(`${urlB}/v1/sessions/shared-session`)).json();
    expect(fromB.frames).toBe(4);
  }, 120_000);

  test("rediss:// to a TLS Redis: its certificate is verified against the CA given, or refused", async () => {
    const tls = makeCertificates();
    tlsRedis = await startRedisServer({ tls });
    expect(tlsRedis.url).toStartWith("rediss://");
    const host = ["--network", "host"];
    const common = { VIGIL_HOST: "127.0.0.1", VIGIL_REDIS_URL: tlsRedis.url, VIGIL_WORKERS: "1" };
    const [portExtra, portSystem, portNot] = [await freePort(), await freePort(), await freePort()];
    const ca = (path: string) => ["--volume", `${tls.caFile}:${path}:ro`];
    // The CA added to Bun's own roots; the CA as the system store (the image's /etc/ssl/certs, used with
    // NODE_USE_SYSTEM_CA=1), mounted over Debian's; and no CA at all.
    const extra = runContainer(`vigil-test-${process.pid}-tls`, [...host, ...ca("/etc/vigil/redis-ca.pem")], {
      ...common,
      VIGIL_PORT: String(portExtra),
      NODE_EXTRA_CA_CERTS: "/etc/vigil/redis-ca.pem",
    });
    const system = runContainer(
      `vigil-test-${process.pid}-tls-system`,
      [...host, ...ca("/etc/ssl/certs/ca-certificates.crt")],
      { ...common, VIGIL_PORT: String(portSystem), NODE_USE_SYSTEM_CA: "1" },
    );
    const none = runContainer(`vigil-test-${process.pid}-tls-no-ca`, host, { ...common, VIGIL_PORT: String(portNot) });
    const urls = [portExtra, portSystem, portNot].map((port) => `http://127.0.0.1:${port}`);
    for (const [i, name] of [extra, system, none].entries()) await waitReady(urls[i], name);
    const frame = async (url: string, second: number) => {
      const headers = { "x-session-id": "tls-session", "x-capture-time": String(Date.now() - 10_000 + second * 1000) };
      const response = await post(url, headers);
      expect(response.status).toBe(200);
      return (await response.json()).session;
    };
    expect(await frame(urls[0], 0)).toMatchObject({ available: true, frames: 1 });
    expect(await frame(urls[1], 1)).toMatchObject({ available: true, frames: 2 });
    // Without the CA the Redis certificate is refused: the frame is answered, without its session.
    expect(await frame(urls[2], 2)).toMatchObject({ available: false });
    expect(await (await fetch(`${urls[2]}/readyz`)).json()).toMatchObject({
      sessions: { store: "redis", available: false },
    });
  }, 120_000);
});
