import { describe, expect, test } from "bun:test";
import { ConfigError, loadServerConfig } from "../../src/config";

describe("server configuration", () => {
  test("defaults: loopback, port 8080, one worker per core, 4 queued frames per worker, 1 s deadline", () => {
    const config = loadServerConfig([], { VIGIL_AUTH: "none" });
    expect(config).toMatchObject({ host: "127.0.0.1", port: 8080, frameDeadlineMs: 1000, maxFaces: 2, demo: true, engineHeapMb: 512, workerRecycleHeapMb: 96 });
    expect(config.workers).toBeGreaterThanOrEqual(1);
    expect(config.maxQueue).toBe(config.workers * 4);
    expect(config.thresholds.eyes.closedBelow).toBe(0.2);
  });

  test("environment variables, overridden by flags", () => {
    const config = loadServerConfig(["--port", "9000"], { VIGIL_AUTH: "none", VIGIL_PORT: "7000", VIGIL_WORKERS: "3", VIGIL_MAX_BODY_BYTES: "4096" });
    expect(config).toMatchObject({ port: 9000, workers: 3, maxQueue: 12, maxBodyBytes: 4096 });
  });

  test("thresholds as JSON, partially", () => {
    const config = loadServerConfig(["--thresholds", '{"mouth":{"yawnAbove":0.7}}'], { VIGIL_AUTH: "none" });
    expect(config.thresholds.mouth.yawnAbove).toBe(0.7);
    expect(config.thresholds.gaze.maxYaw).toBe(30);
  });

  test("bad values stop the start with a message naming where they came from", () => {
    const attempt = (argv: string[], env: Record<string, string>) => {
      try {
        loadServerConfig(argv, env);
        return "accepted";
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    const local = { VIGIL_AUTH: "none" };
    expect(attempt([], { ...local, VIGIL_PORT: "eighty" })).toContain("VIGIL_PORT");
    expect(attempt(["--workers", "0"], local)).toContain("--workers");
    expect(attempt([], { ...local, VIGIL_THRESHOLDS: "{nope" })).toContain("must be JSON");
    expect(attempt([], { ...local, VIGIL_THRESHOLDS: '{"eyes":{"closedBelow":7}}' })).toContain("eyes.closedBelow");
    // Heap limits under their minimums, and a demo switch that is neither yes nor no.
    expect(attempt([], { ...local, VIGIL_ENGINE_HEAP_MB: "32" })).toContain("VIGIL_ENGINE_HEAP_MB");
    expect(attempt([], { ...local, VIGIL_WORKER_RECYCLE_HEAP_MB: "8" })).toContain("VIGIL_WORKER_RECYCLE_HEAP_MB");
    expect(attempt(["--demo", "maybe"], local)).toContain("--demo");
  });

  test("re-detection, face crops and pacing: defaults, and refused values", () => {
    const config = loadServerConfig([], { VIGIL_AUTH: "none" });
    expect(config).toMatchObject({ redetectEveryMs: 3000, redetectMaxEveryMs: 10_000, faceCropSize: 192, pacing: true });
    expect(loadServerConfig(["--face-crop-size", "0", "--pacing", "false"], { VIGIL_AUTH: "none" })).toMatchObject({ faceCropSize: 0, pacing: false });
    const refused = (env: Record<string, string>) => expect(() => loadServerConfig([], { VIGIL_AUTH: "none", ...env })).toThrow(Object.keys(env)[0]);
    refused({ VIGIL_FACE_CROP_SIZE: "32" }); // too small for the landmark model's 192 px, and not 0
    refused({ VIGIL_FACE_CROP_SIZE: "2048" });
    refused({ VIGIL_REDETECT_MAX_EVERY_MS: "-1" });
    refused({ VIGIL_PACING: "sometimes" });
  });

  test("an unknown flag is refused", () => {
    expect(() => loadServerConfig(["--colour", "blue"], { VIGIL_AUTH: "none" })).toThrow(ConfigError);
  });
});
