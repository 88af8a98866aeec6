#!/usr/bin/env bun
/**
 * Vigil's command line.
 *   vigil serve [--port 8080 ...]        start the HTTP service (options: vigil serve --help)
 *   vigil analyze [--landmarks] FILE...  analyse photos (JPEG, PNG, WebP) and print one JSON line each
 *   vigil jwt-token --sub SUBJECT        an HS256 token for local testing of VIGIL_AUTH=jwt
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DEFAULT_THRESHOLDS } from "./analysis/thresholds";
import { ensureAllocatorEnv } from "./allocator-env";
import { ANALYZE_USAGE, parseAnalyzeArgs } from "./analyze-args";
import { ConfigError, describeOptions, loadServerConfig, type ServerConfig } from "./config";
import { FrameAnalyzer } from "./frame/frame-analyzer";
import { JWT_TOKEN_USAGE, mintJwtToken } from "./jwt-token-command";
import { hashApiKey } from "./server/access";
import { exitWithParent, isSupervisedChild, superviseProcesses } from "./server/process-supervisor";
import { startServer } from "./server/start-server";
import type { AnalysisWorkerInfo } from "./pool/analysis-job";

const USAGE = `usage:
  vigil serve [options]               start the HTTP service (vigil serve --help lists the options)
  vigil analyze [--landmarks] FILE... print the analysis of each photo as JSON (vigil analyze --help)
  vigil new-key                       make a random API key and print it with its sha256 (for VIGIL_API_KEY_HASHES)
  vigil hash-key KEY                  print an existing key's sha256
  ${JWT_TOKEN_USAGE}
                                      print an HS256 token from VIGIL_JWT_* (local testing of VIGIL_AUTH=jwt)
  vigil --help`;

async function analyzeFiles(args: string[]): Promise<number> {
  const parsed = parseAnalyzeArgs(args);
  if ("error" in parsed) {
    console.error(`${parsed.error}\n${ANALYZE_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(ANALYZE_USAGE);
    return 0;
  }
  const { landmarks, files } = parsed;
  const analyzer = await FrameAnalyzer.create({
    maxFaces: 2,
    // Photos may be taken any way up; the cost of a second look matters less here than on a webcam stream.
    detectUpsideDown: true,
    limits: { maxPixels: 100_000_000, maxSide: 20_000 },
    inferenceMaxSide: 1280,
    thresholds: DEFAULT_THRESHOLDS,
  });
  let failures = 0;
  for (const file of files) {
    try {
      const { tracking: _tracking, ...result } = await analyzer.analyze(new Uint8Array(await readFile(file)), { landmarks });
      console.log(JSON.stringify({ file, ...result }));
    } catch (error) {
      failures++;
      const e = error as { code?: string; message?: string };
      console.log(JSON.stringify({ file, error: { code: e.code ?? "failed", message: e.message ?? String(error) } }));
    }
  }
  analyzer.close();
  return failures ? 1 : 0;
}

async function serve(args: string[]): Promise<void> {
  if (args.includes("--help")) {
    console.log(`vigil serve [options]; each option is also an environment variable:\n${describeOptions()}`);
    return;
  }
  const config = loadServerConfig(args, process.env);
  // Before any worker starts (and before the port is taken): may replace this process with itself.
  ensureAllocatorEnv((line) => console.error(line));
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  if (config.processes > 1) return supervise(config, args, log);
  const child = isSupervisedChild();
  const server = await startServer(config, log, { reusePort: child });
  log(`vigil listening on ${server.url} with ${config.workers} worker(s), sessions ${config.redisUrl ? "in Redis" : "in memory"}; loading models`);
  server.pool.whenAllReady().then(() => {
    log("all workers ready");
    // A MediaPipe bundle that no longer looks as the embedding tap expects still works, more slowly: say so.
    if ((server.pool.info as AnalysisWorkerInfo | undefined)?.landmarkTensorsTapped === false) {
      log("warning: the landmark model's tensors are read through the MediaPipe bundle's own objects (the embedding tap's start-up check failed; about 0.7 ms more CPU per face, see src/engine/embedding-tap.ts)");
    }
  });
  let stopping = false;
  const stop = async (reason: string) => {
    // A child of --processes may get the signal twice (from the terminal and from its parent): once is enough.
    if (stopping) return;
    stopping = true;
    log(`${reason}: no new connections, finishing in-flight frames`);
    await server.stop();
    log("stopped");
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void stop(signal));
  if (child) exitWithParent(() => stop("parent process gone"));
}

/** vigil serve --processes N: this process only starts and watches N server processes. */
async function supervise(config: ServerConfig, args: string[], log: (line: string) => void): Promise<void> {
  const supervisor = await superviseProcesses(config, args, log);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, async () => {
      log(`${signal}: passing it on to the ${config.processes} processes`);
      await supervisor.stop(signal);
      log("stopped");
      process.exit(0);
    });
  }
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === "serve") await serve(rest);
  else if (command === "analyze") process.exit(await analyzeFiles(rest));
  else if (command === "new-key") {
    const key = randomBytes(24).toString("base64url");
    console.log(`key:    ${key}\nsha256: ${hashApiKey(key)}   (put this in VIGIL_API_KEY_HASHES; give the key to the client)`);
  } else if (command === "hash-key" && rest[0]) console.log(hashApiKey(rest[0]));
  else if (command === "jwt-token") {
    try {
      console.log(await mintJwtToken(rest, process.env));
    } catch (error) {
      console.error((error as Error).message);
      process.exit(2);
    }
  }
  else {
    console.log(USAGE);
    process.exit(command === "--help" || command === "-h" ? 0 : 2);
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
