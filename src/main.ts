#!/usr/bin/env bun
/**
 * Vigil's command line.
 *   vigil serve [--port 8080 ...]        start the HTTP service (options: vigil serve --help)
 *   vigil analyze [--landmarks] FILE...  analyse photos (JPEG, PNG, WebP) and print one JSON line each
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DEFAULT_THRESHOLDS } from "./analysis/thresholds";
import { ensureAllocatorEnv } from "./allocator-env";
import { ANALYZE_USAGE, parseAnalyzeArgs } from "./analyze-args";
import { ConfigError, describeOptions, loadServerConfig } from "./config";
import { FrameAnalyzer } from "./frame/frame-analyzer";
import { hashApiKey } from "./server/access";
import { startServer } from "./server/start-server";

const USAGE = `usage:
  vigil serve [options]               start the HTTP service (vigil serve --help lists the options)
  vigil analyze [--landmarks] FILE... print the analysis of each photo as JSON (vigil analyze --help)
  vigil new-key                       make a random API key and print it with its sha256 (for VIGIL_API_KEY_HASHES)
  vigil hash-key KEY                  print an existing key's sha256
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
      const { result } = await analyzer.analyze(new Uint8Array(await readFile(file)), { landmarks });
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
  const server = await startServer(config, log);
  log(`vigil listening on ${server.url} with ${config.workers} worker(s); loading models`);
  server.pool.whenAllReady().then(() => log("all workers ready"));
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, async () => {
      log(`${signal}: no new connections, finishing in-flight frames`);
      await server.stop();
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
