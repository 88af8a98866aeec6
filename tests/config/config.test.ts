import { describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadServerConfig } from "../../src/config";

describe("server configuration", () => {
  test("defaults: loopback, port 8080, one worker per core, a 250 ms queue wait and 16 queued frames per worker at most, 1 s deadline", () => {
    const config = loadServerConfig([], { VIGIL_AUTH: "none" });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      frameDeadlineMs: 1000,
      maxFaces: 2,
      demo: true,
      engineHeapMb: 512,
      workerRecycleHeapMb: 96,
    });
    expect(config.workers).toBeGreaterThanOrEqual(1);
    expect(config.maxQueue).toBe(config.workers * 16);
    expect(config.maxQueueWaitMs).toBe(250);
    expect(config.thresholds.eyes.closedBelow).toBe(0.29);
  });

  test("environment variables, overridden by flags", () => {
    const config = loadServerConfig(["--port", "9000"], {
      VIGIL_AUTH: "none",
      VIGIL_PORT: "7000",
      VIGIL_WORKERS: "3",
      VIGIL_MAX_BODY_BYTES: "4096",
    });
    expect(config).toMatchObject({ port: 9000, workers: 3, maxQueue: 48, maxBodyBytes: 4096 });
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
    expect(config).toMatchObject({
      redetectEveryMs: 3000,
      redetectMaxEveryMs: 10_000,
      faceCropSize: 192,
      pacing: true,
    });
    expect(loadServerConfig(["--face-crop-size", "0", "--pacing", "false"], { VIGIL_AUTH: "none" })).toMatchObject({
      faceCropSize: 0,
      pacing: false,
    });
    const refused = (env: Record<string, string>) =>
      expect(() => loadServerConfig([], { VIGIL_AUTH: "none", ...env })).toThrow(Object.keys(env)[0]);
    refused({ VIGIL_FACE_CROP_SIZE: "32" }); // too small for the landmark model's 192 px, and not 0
    refused({ VIGIL_FACE_CROP_SIZE: "2048" });
    refused({ VIGIL_REDETECT_MAX_EVERY_MS: "-1" });
    refused({ VIGIL_PACING: "sometimes" });
  });

  test("load-aware pacing: on, a 4 s ceiling (8 s in overload) and 5 s more for a new session's first frame by default; refused values", () => {
    expect(loadServerConfig([], { VIGIL_AUTH: "none" })).toMatchObject({
      loadPacing: true,
      loadPacingMaxMs: 4000,
      loadPacingOverloadMaxMs: 8000,
      newSessionExtraWaitMs: 5000,
    });
    expect(loadServerConfig([], { VIGIL_AUTH: "none", VIGIL_LOAD_PACING_OVERLOAD_MAX_MS: "5500" })).toMatchObject({
      loadPacingOverloadMaxMs: 5500,
    });
    const set = loadServerConfig(["--load-pacing", "false", "--load-pacing-max-ms", "6000"], {
      VIGIL_AUTH: "none",
      VIGIL_NEW_SESSION_EXTRA_WAIT_MS: "0",
    });
    expect(set).toMatchObject({ loadPacing: false, loadPacingMaxMs: 6000, newSessionExtraWaitMs: 0 });
    const refused = (env: Record<string, string>) =>
      expect(() => loadServerConfig([], { VIGIL_AUTH: "none", ...env })).toThrow(Object.keys(env)[0]);
    refused({ VIGIL_LOAD_PACING_MAX_MS: "500" });
    refused({ VIGIL_LOAD_PACING_MAX_MS: "20000" }); // over the clients' own 10 s bound (capture.js)
    refused({ VIGIL_LOAD_PACING_OVERLOAD_MAX_MS: "20000" });
    refused({ VIGIL_NEW_SESSION_EXTRA_WAIT_MS: "-1" });
    refused({ VIGIL_LOAD_PACING: "maybe" });
  });

  test("the queue's bounds: a wait in ms and a count, each refused outside its range", () => {
    expect(loadServerConfig(["--max-queue-wait-ms", "100", "--max-queue", "8"], { VIGIL_AUTH: "none" })).toMatchObject({
      maxQueueWaitMs: 100,
      maxQueue: 8,
    });
    for (const bad of ["0", "-5", "1.5", "soon", "60001"])
      expect(() => loadServerConfig([], { VIGIL_AUTH: "none", VIGIL_MAX_QUEUE_WAIT_MS: bad })).toThrow(
        "VIGIL_MAX_QUEUE_WAIT_MS",
      );
  });

  test("an unknown flag is refused", () => {
    expect(() => loadServerConfig(["--colour", "blue"], { VIGIL_AUTH: "none" })).toThrow(ConfigError);
  });
});

describe("JWT authentication settings", () => {
  const attempt = (env: Record<string, string>, argv: string[] = []) => {
    try {
      loadServerConfig(argv, env);
      return "accepted";
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  };
  const folder = mkdtempSync(join(tmpdir(), "vigil-config-jwks-"));
  const file = (name: string, content: unknown) => {
    const path = join(folder, name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return path;
  };
  const rsaKey = (modulusLength: number) => generateKeyPairSync("rsa", { modulusLength });
  const ecKey = (namedCurve: string) => generateKeyPairSync("ec", { namedCurve });
  const rsa = rsaKey(2048);
  const claims = { VIGIL_AUTH: "jwt", VIGIL_JWT_AUDIENCE: "vigil", VIGIL_JWT_ISSUER: "https://id.example.org" };
  const secret = "s".repeat(32);

  test("a secret, or a JWKS file of public RS256/ES256 keys, with audience and issuer: accepted", () => {
    const config = loadServerConfig([], { ...claims, VIGIL_JWT_SECRET: secret });
    expect(config).toMatchObject({
      auth: "jwt",
      jwtSecret: secret,
      jwtAudience: "vigil",
      jwtIssuer: "https://id.example.org",
      jwtClockToleranceSeconds: 30,
    });
    const ec = ecKey("P-256");
    const jwks = file("good.json", {
      keys: [
        { ...rsa.publicKey.export({ format: "jwk" }), kid: "r" },
        { ...ec.publicKey.export({ format: "jwk" }), alg: "ES256" },
      ],
    });
    expect(loadServerConfig(["--jwks-file", jwks], claims).jwksFile).toBe(jwks);
  });

  test("auth=jwt without a secret or JWKS, or with both, or without audience or issuer: refused, naming the variable", () => {
    expect(attempt(claims)).toMatch(/VIGIL_JWT_SECRET or VIGIL_JWKS_FILE/);
    const jwks = file("both.json", { keys: [rsa.publicKey.export({ format: "jwk" })] });
    expect(attempt({ ...claims, VIGIL_JWT_SECRET: secret, VIGIL_JWKS_FILE: jwks })).toMatch(
      /VIGIL_JWT_SECRET and VIGIL_JWKS_FILE are both set/,
    );
    expect(attempt({ VIGIL_AUTH: "jwt", VIGIL_JWT_SECRET: secret, VIGIL_JWT_ISSUER: "x" })).toContain(
      "VIGIL_JWT_AUDIENCE",
    );
    expect(attempt({ VIGIL_AUTH: "jwt", VIGIL_JWT_SECRET: secret, VIGIL_JWT_AUDIENCE: "x" })).toContain(
      "VIGIL_JWT_ISSUER",
    );
    expect(attempt({ ...claims, VIGIL_JWT_SECRET: "short" })).toMatch(
      /VIGIL_JWT_SECRET: must be at least 32 characters/,
    );
    expect(attempt({ ...claims, VIGIL_JWT_SECRET: secret, VIGIL_JWT_CLOCK_TOLERANCE_SECONDS: "3600" })).toContain(
      "VIGIL_JWT_CLOCK_TOLERANCE_SECONDS",
    );
    expect(attempt({ ...claims, VIGIL_AUTH: "oauth" })).toContain("VIGIL_AUTH");
  });

  test("a bad JWKS file stops the start, saying what is wrong with it", () => {
    let files = 0;
    const refused = (content: unknown) => attempt({ ...claims, VIGIL_JWKS_FILE: file(`bad-${++files}.json`, content) });
    expect(attempt({ ...claims, VIGIL_JWKS_FILE: join(folder, "missing.json") })).toMatch(
      /VIGIL_JWKS_FILE: cannot read .*ENOENT/,
    );
    expect(refused("{not json")).toMatch(/VIGIL_JWKS_FILE: .* is not JSON/);
    expect(refused({ keys: [] })).toMatch(/no "keys" array/);
    expect(refused({ keys: [rsa.privateKey.export({ format: "jwk" })] })).toMatch(/private or secret key material/);
    expect(refused({ keys: [{ kty: "oct", k: "c2VjcmV0" }] })).toMatch(/private or secret key material/);
    expect(refused({ keys: [{ ...rsa.publicKey.export({ format: "jwk" }), alg: "HS256" }] })).toMatch(
      /alg HS256; RSA keys are accepted for RS256/,
    );
    expect(refused({ keys: [rsaKey(1024).publicKey.export({ format: "jwk" })] })).toMatch(
      /1024-bit RSA key; RS256 needs 2048/,
    );
    expect(refused({ keys: [ecKey("P-384").publicKey.export({ format: "jwk" })] })).toMatch(
      /curve P-384; ES256 needs P-256/,
    );
    expect(refused({ keys: [{ kty: "RSA", e: "AQAB" }] })).toMatch(/not a valid RSA public key/);
    expect(refused({ keys: [{ ...rsa.publicKey.export({ format: "jwk" }), use: "enc" }] })).toMatch(/use "enc"/);
  });
});

describe("limits per session and per principal", () => {
  test("defaults: 4 frames a second and 4 in flight per session; 40 a second and 16 in flight per principal", () => {
    expect(loadServerConfig([], { VIGIL_AUTH: "none" })).toMatchObject({
      rateLimitPerSecond: 4,
      maxInFlightPerClient: 4,
      rateLimitPerPrincipalPerSecond: 40,
      maxInFlightPerPrincipal: 16,
    });
  });

  test("a per-principal limit under the per-session one is refused", () => {
    expect(() => loadServerConfig(["--rate-limit-per-second", "50"], { VIGIL_AUTH: "none" })).toThrow(
      /VIGIL_RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: must be at least --rate-limit-per-second \(50\)/,
    );
    expect(() => loadServerConfig([], { VIGIL_AUTH: "none", VIGIL_MAX_IN_FLIGHT_PER_PRINCIPAL: "2" })).toThrow(
      /VIGIL_MAX_IN_FLIGHT_PER_PRINCIPAL: must be at least VIGIL_MAX_IN_FLIGHT_PER_CLIENT \(4\)/,
    );
  });
});
