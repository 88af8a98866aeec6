/**
 * A real redis-server (Debian's package; .ci/run installs it) on a free loopback port, for tests and benches:
 * no persistence, its working directory in a temp dir, nothing written anywhere else. It can be killed and
 * started again on the same port, or paused (SIGSTOP) to play a Redis that stopped answering.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const redisServerBinary = [
  "/usr/bin/redis-server",
  "/usr/sbin/redis-server",
  "/usr/local/bin/redis-server",
].find((p) => Bun.file(p).size > 0);

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  port: number;
  /** The running redis-server's process id (it changes on restart). */
  readonly pid: number;
  /** Kills it at once (SIGKILL): everything it held is lost. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** A TLS-only Redis: its certificate and key (PEM files) and the CA that signed them. */
export interface RedisTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export async function startRedisServer(options: { tls?: RedisTls } = {}): Promise<RedisServer> {
  if (!redisServerBinary) throw new Error("redis-server is not installed (apt-get install redis-server; .ci/run does)");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "vigil-redis-"));
  let child: ReturnType<typeof Bun.spawn> | undefined;
  const { tls } = options;
  // With TLS, the port speaks only TLS (no plain port) and clients need no certificate of their own.
  const listen = tls
    ? ["--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.certFile, "--tls-key-file", tls.keyFile]
    : ["--port", String(port)];
  const tlsTrust = tls ? ["--tls-ca-cert-file", tls.caFile, "--tls-auth-clients", "no"] : [];
  const launch = async () => {
    child = Bun.spawn(
      [
        redisServerBinary,
        ...listen,
        ...tlsTrust,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        "",
        "--loglevel",
        "warning",
      ],
      { stdout: "ignore", stderr: "inherit" },
    );
    const deadline = Date.now() + 5000;
    while (!(await ping(port))) {
      if (Date.now() > deadline) throw new Error("redis-server did not come up");
      await Bun.sleep(20);
    }
  };
  await launch();
  const kill = async () => {
    child?.kill("SIGCONT");
    child?.kill("SIGKILL");
    await child?.exited;
  };
  return {
    url: `${tls ? "rediss" : "redis"}://127.0.0.1:${port}/0`,
    port,
    get pid() {
      return child!.pid;
    },
    kill,
    restart: launch,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ping(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}
