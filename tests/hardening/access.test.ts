import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { ConfigError, loadServerConfig } from "../../src/config";
import { hashApiKey } from "../../src/server/access";
import { startFakeServer } from "../support/fake-backend";
import { fixtureBytes } from "../support/images";

const KEY = "test-key-0123456789abcdef";
const OTHER = "second-key-fedcba9876543210";
const EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
// What the HTTP layer decides alone: a fake analysis backend behind the real app (tests/support/fake-backend.ts).
let server: ReturnType<typeof startFakeServer>;

beforeAll(() => {
  server = startFakeServer({
    VIGIL_AUTH: "keys",
    VIGIL_API_KEY_HASHES: `${hashApiKey(KEY)},${hashApiKey(OTHER)}`,
    VIGIL_CORS_ORIGINS: `${EXTENSION},https://demo.example.org`,
    VIGIL_RATE_LIMIT_PER_SECOND: "3",
    VIGIL_MAX_IN_FLIGHT_PER_CLIENT: "2",
    VIGIL_READ_TIMEOUT_MS: "1000",
  });
});
afterAll(() => server.stop());

const analyze = async (headers: Record<string, string>, body?: Uint8Array<ArrayBuffer>) =>
  fetch(`${server.url}/v1/analyze`, {
    method: "POST",
    body: body ?? (await fixtureBytes("grace_hopper.jpg")),
    headers: { "content-type": "image/jpeg", ...headers },
  });

describe("API keys", () => {
  test("no key, a malformed header or a wrong key: 401 JSON with WWW-Authenticate", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Basic abc" },
      { authorization: "Bearer wrong-key-000000" },
    ];
    for (const headers of attempts) {
      const response = await analyze(headers);
      expect([400, 401]).toContain(response.status);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
      expect((await response.json()).error.code).toBe("unauthorized");
    }
  });

  test("either configured key works; health, readiness and docs need none", async () => {
    expect((await analyze({ authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect((await analyze({ authorization: `Bearer ${OTHER}` })).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/openapi.json`)).status).toBe(200);
  });

  test("/openapi.json declares the API-key bearer scheme on the /v1 routes", async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(document.components.securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: "http", scheme: "bearer" }),
    });
    expect(document.paths["/v1/analyze"].post.security).toEqual([{ apiKey: [] }]);
    expect(document.paths["/v1/sessions/{id}"].delete.security).toEqual([{ apiKey: [] }]);
  });

  test("session routes need a key too", async () => {
    expect((await fetch(`${server.url}/v1/sessions/some-session-1`)).status).toBe(401);
  });

  test("keys mode without any key configured refuses to start; key-less mode must be explicit", () => {
    expect(() => loadServerConfig([], {})).toThrow(ConfigError);
    expect(() => loadServerConfig([], {})).toThrow(/VIGIL_API_KEY_HASHES/);
    expect(loadServerConfig(["--auth", "none"], {}).auth).toBe("none");
    expect(() => loadServerConfig([], { VIGIL_API_KEY_HASHES: "not-a-hash" })).toThrow(/sha256/);
  });
});

describe("CORS", () => {
  test("a preflight from the extension's origin is allowed with the headers it needs", async () => {
    const response = await fetch(`${server.url}/v1/analyze`, {
      method: "OPTIONS",
      headers: {
        origin: EXTENSION,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,x-session-id,x-capture-time",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(EXTENSION);
    const allowed = response.headers.get("access-control-allow-headers")!.toLowerCase();
    for (const header of ["authorization", "content-type", "x-session-id", "x-capture-time"])
      expect(allowed).toContain(header);
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
  });

  test("an origin not on the list gets no CORS grant", async () => {
    const response = await fetch(`${server.url}/v1/analyze`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("answers to the extension expose Retry-After and the instance", async () => {
    const response = await analyze({ authorization: `Bearer ${KEY}`, origin: EXTENSION });
    expect(response.headers.get("access-control-allow-origin")).toBe(EXTENSION);
    expect(response.headers.get("access-control-expose-headers")).toContain("Retry-After");
  });
});

test("secure headers on every answer", async () => {
  const response = await fetch(`${server.url}/healthz`);
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
  expect(response.headers.get("strict-transport-security")).toBeTruthy();
});

describe("limits", () => {
  test("more frames a second than the key's rate: 429 with Retry-After; another key is not affected", async () => {
    await Bun.sleep(1100); // a fresh one-second window
    const tiny = new Uint8Array([0xff]); // refused fast (415) but still counted as a frame
    const responses: Response[] = [];
    for (let i = 0; i < 5; i++) responses.push(await analyze({ authorization: `Bearer ${KEY}` }, tiny));
    const limited = responses.filter((r) => r.status === 429);
    // 3 a second are allowed; of 5 sent within the second, the last ones are refused.
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited[0].headers.get("retry-after")).toBe("1");
    expect((await limited[0].json()).error.code).toBe("rate_limited");
    expect((await analyze({ authorization: `Bearer ${OTHER}` }, tiny)).status).not.toBe(429);
  });

  test("more requests in flight than the per-client cap: 429 too_many_concurrent", async () => {
    await Bun.sleep(1100);
    server.backend.hold();
    // The cap is 2: two frames held in the backend, then a third.
    const admitted = [analyze({ authorization: `Bearer ${OTHER}` }), analyze({ authorization: `Bearer ${OTHER}` })];
    while (server.backend.waiting < 2) await Bun.sleep(5);
    const third = await analyze({ authorization: `Bearer ${OTHER}` });
    expect(third.status).toBe(429);
    expect((await third.json()).error.code).toBe("too_many_concurrent");
    server.backend.release();
    expect((await Promise.all(admitted)).map((r) => r.status)).toEqual([200, 200]);
  });

  test("a stalled upload is cut off after the read timeout", async () => {
    const { port, hostname } = new URL(server.url);
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /v1/analyze HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n`,
        );
        socket.write(Buffer.alloc(100)); // then nothing more
      });
      socket.on("data", () => {});
      socket.on("close", () => resolve(Date.now() - started));
      socket.on("error", () => {});
      setTimeout(() => reject(new Error("the stalled connection was never closed")), 20_000);
    });
    expect(closedAfter).toBeLessThan(15_000);
  });
});
