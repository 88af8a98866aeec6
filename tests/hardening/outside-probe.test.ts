/**
 * What an outside attacker or a clumsy client meets at the HTTP edge, through the real app over the fake
 * analysis backend (tests/support/fake-backend.ts): JWT subjects that are not text, malformed Authorization
 * headers (the same answer with API keys and JWTs), JWTs spelled more than one way, aborted and stalled uploads,
 * and session reads counted against the same limits as frames.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { SignJWT } from "jose";
import { hashApiKey } from "../../src/server/access";
import { type FakeServer, startFakeServer } from "../support/fake-backend";

const SECRET = "a-test-secret-of-at-least-32-characters!";
const AUDIENCE = "vigil-test";
const ISSUER = "https://study.example.org";
const KEY = "probe-key-0123456789abcdef";
/** The body of a frame: the fake backend never decodes it. */
const ANY_IMAGE = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
/** The server's default limits (the fake server's own defaults put them out of the way). */
const DEFAULT_LIMITS = Object.fromEntries(
  [
    "VIGIL_RATE_LIMIT_PER_SECOND",
    "VIGIL_RATE_LIMIT_PER_PRINCIPAL_PER_SECOND",
    "VIGIL_MAX_IN_FLIGHT_PER_CLIENT",
    "VIGIL_MAX_IN_FLIGHT_PER_PRINCIPAL",
  ].map((name) => [name, ""]),
);

const servers: FakeServer[] = [];
const serve = (env: Record<string, string>, log?: (line: string) => void) => {
  const server = startFakeServer(env, undefined, log);
  servers.push(server);
  return server;
};
afterAll(async () => {
  for (const server of servers) await server.stop();
});

const jwtLogs: string[] = [];
const jwtServer = serve(
  { VIGIL_AUTH: "jwt", VIGIL_JWT_SECRET: SECRET, VIGIL_JWT_AUDIENCE: AUDIENCE, VIGIL_JWT_ISSUER: ISSUER },
  (line) => jwtLogs.push(line),
);
const keysServer = serve({ VIGIL_AUTH: "keys", VIGIL_API_KEY_HASHES: hashApiKey(KEY) });

const token = (claims: Record<string, unknown>) =>
  new SignJWT({ aud: AUDIENCE, iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 600, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(SECRET));

const analyze = (server: FakeServer, headers: Record<string, string>) =>
  fetch(`${server.url}/v1/analyze`, {
    method: "POST",
    body: ANY_IMAGE,
    headers: { "content-type": "image/jpeg", ...headers },
  });

describe("a JWT whose sub is valid JSON but not valid Unicode", () => {
  test("a lone UTF-16 surrogate in sub: 401 saying why, on frames and on session reads", async () => {
    const bearer = `Bearer ${await token({ sub: "a\ud800" })}`;
    for (const response of [
      await analyze(jwtServer, { authorization: bearer }),
      await fetch(`${jwtServer.url}/v1/sessions/session-0001`, { headers: { authorization: bearer } }),
    ]) {
      expect(response.status).toBe(401);
      const body = await response.json();
      expect(body.error.code).toBe("unauthorized");
      expect(body.error.message).toMatch(/surrogate/);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="vigil", error="invalid_token"/);
    }
    expect(jwtLogs.filter((line) => line.startsWith("error on"))).toEqual([]);
  });

  test("a well-formed non-ASCII sub is still accepted", async () => {
    expect((await analyze(jwtServer, { authorization: `Bearer ${await token({ sub: "zoë-😀" })}` })).status).toBe(200);
  });
});

describe("malformed Authorization headers get the same answer with API keys and with JWTs", () => {
  const malformed = [
    "Bearer",
    "Bearer ",
    "Basic YWxpY2U6c2VjcmV0",
    `Bearer ${KEY} extra`,
    "Bearer ké",
    `Bearer ${KEY}, Bearer ${KEY}`,
    "Token abc",
  ];
  for (const [mode, app] of [
    ["keys", keysServer],
    ["jwt", jwtServer],
  ] as const) {
    test(`${mode}: 401 unauthorized, error="invalid_request"`, async () => {
      for (const authorization of malformed) {
        const response = await analyze(app, { authorization });
        expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
        expect((await response.json()).error.code).toBe("unauthorized");
        expect(response.headers.get("www-authenticate")).toStartWith('Bearer realm="vigil", error="invalid_request"');
      }
    });
    test(`${mode}: no header at all: 401 with a bare challenge; a wrong credential: error="invalid_token"`, async () => {
      const missing = await analyze(app, {});
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="vigil"');
      const wrong = await analyze(app, { authorization: "Bearer wrong-credential-0000" });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get("www-authenticate")).toStartWith('Bearer realm="vigil", error="invalid_token"');
    });
  }
  test("the right API key still works", async () => {
    expect((await analyze(keysServer, { authorization: `Bearer ${KEY}` })).status).toBe(200);
  });
});

describe("an upload the client aborts", () => {
  const logs: string[] = [];
  const probe = serve(
    {
      VIGIL_AUTH: "keys",
      VIGIL_API_KEY_HASHES: hashApiKey(KEY),
      VIGIL_READ_TIMEOUT_MS: "1000",
      VIGIL_LOG_REQUESTS: "true",
    },
    (line) => logs.push(line),
  );
  const port = Number(new URL(probe.url).port);

  /** Declares 70 000 bytes, sends 1 000, then closes, resets, or stalls until the server's idle timeout. */
  const abortedUpload = (how: "close" | "reset" | "stall") =>
    new Promise<void>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          `POST /v1/analyze HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: image/jpeg\r\nContent-Length: 70000\r\n\r\n`,
        );
        socket.write(Buffer.alloc(1000, 1));
        if (how === "close") setTimeout(() => socket.end(), 100);
        if (how === "reset") setTimeout(() => socket.resetAndDestroy(), 100);
      });
      socket.on("data", () => {});
      socket.on("error", () => {});
      socket.on("close", () => resolve());
    });

  test("closed, reset or timed out: no 500 in the log or the metrics, counted as client_closed (499)", async () => {
    for (const how of ["close", "reset", "stall"] as const) await abortedUpload(how);
    // The server notices the closed connection on its own schedule: wait for the three requests to end.
    while (!(await probe.metrics.registry.metrics()).includes('status="499"} 3')) await Bun.sleep(20);
    const metrics = await probe.metrics.registry.metrics();
    expect(metrics).toContain(
      'vigil_http_request_duration_seconds_count{method="POST",route="/v1/analyze",status="499"} 3',
    );
    expect(metrics).not.toContain('status="500"');
    expect(logs.filter((line) => line.includes("POST /v1/analyze 499")).length).toBe(3);
    expect(logs.filter((line) => / 500 /.test(line) || line.startsWith("error on"))).toEqual([]);
    expect(probe.backend.frames).toEqual([]);
  }, 20_000);
});

describe("session reads count against the same limits as frames", () => {
  // The default limits (4 a second per session, 40 per principal). A burst may straddle one window boundary,
  // so each check sends more than twice the limit.
  const limited = serve({ VIGIL_AUTH: "keys", VIGIL_API_KEY_HASHES: hashApiKey(KEY), ...DEFAULT_LIMITS });
  const { rateLimitPerSecond, rateLimitPerPrincipalPerSecond } = limited.config;
  const read = (id: string) =>
    fetch(`${limited.url}/v1/sessions/${id}`, { headers: { authorization: `Bearer ${KEY}` } });
  const frame = (id: string) => analyze(limited, { authorization: `Bearer ${KEY}`, "x-session-id": id });
  const refusals = async (responses: Response[]) => {
    const refused = responses.filter((r) => r.status === 429);
    return Promise.all(refused.map(async (r) => (await r.json()).error as { code: string; message: string }));
  };

  test("reads and frames of one session share its per-session allowance", async () => {
    const responses: Response[] = [];
    for (let i = 0; i <= rateLimitPerSecond; i++)
      responses.push(await read("shared-session-1"), await frame("shared-session-1"));
    const refused = await refusals(responses);
    expect(refused.length).toBeGreaterThanOrEqual(2 * (rateLimitPerSecond + 1) - 2 * rateLimitPerSecond);
    expect(refused.every((e) => e.code === "rate_limited" && /for this session/.test(e.message))).toBe(true);
  });

  test("reads of invented session ids are held to the per-principal allowance", async () => {
    await Bun.sleep(1000);
    const responses: Response[] = [];
    for (let i = 0; i < 2 * rateLimitPerPrincipalPerSecond + 10; i++) responses.push(await read(`invented-${i}-0000`));
    const refused = await refusals(responses);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    expect(refused.every((e) => e.code === "rate_limited" && /all its sessions together/.test(e.message))).toBe(true);
  });
});

describe("a JWT has one spelling", () => {
  test("a signature with padding appended, or with the unused bits of its last character changed, is refused", async () => {
    const valid = await token({ sub: "alice" });
    expect((await analyze(jwtServer, { authorization: `Bearer ${valid}` })).status).toBe(200);
    const [header, payload, signature] = valid.split(".");
    // An HS256 signature is 32 bytes: 43 characters, the last carrying 4 bits and 2 unused ones.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(signature.at(-1)!);
    const strayBits = signature.slice(0, -1) + alphabet[last ^ 1];
    expect(Buffer.from(strayBits, "base64url")).toEqual(Buffer.from(signature, "base64url"));
    for (const variant of [`${signature}=`, `${signature}==`, strayBits]) {
      const response = await analyze(jwtServer, { authorization: `Bearer ${header}.${payload}.${variant}` });
      expect({ variant, status: response.status }).toEqual({ variant, status: 401 });
      expect((await response.json()).error.message).toMatch(/canonical base64url/);
    }
  });
});

describe("stalled uploads", () => {
  // The whole of 127.0.0.0/8 is loopback: the stalling client connects from 127.0.0.2, the others from 127.0.0.1.
  const stalled = serve({ VIGIL_AUTH: "keys", VIGIL_API_KEY_HASHES: hashApiKey(KEY), ...DEFAULT_LIMITS });
  const port = Number(new URL(stalled.url).port);
  const sockets: ReturnType<typeof connect>[] = [];
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
  });

  /** An upload from 127.0.0.2 declaring 70 000 bytes, sending 100, then nothing; resolves with its answer, if any. */
  const stall = (session: string) =>
    new Promise<string>((resolve) => {
      let answer = "";
      const socket = connect({ port, host: "127.0.0.1", localAddress: "127.0.0.2" }, () => {
        socket.write(
          `POST /v1/analyze HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nX-Session-Id: ${session}\r\nContent-Type: image/jpeg\r\nContent-Length: 70000\r\n\r\n`,
        );
        socket.write(Buffer.alloc(100, 1));
        setTimeout(() => resolve(answer), 300);
      });
      socket.on("data", (chunk) => (answer += chunk.toString()));
      socket.on("error", () => {});
      sockets.push(socket);
    });

  test("one address holding the principal's whole in-flight allowance in stalled uploads does not keep its other users out", async () => {
    const { maxInFlightPerPrincipal } = stalled.config;
    const answers = await Promise.all(
      Array.from({ length: maxInFlightPerPrincipal }, (_, i) => stall(`stalled-session-${i}`)),
    );
    expect(answers.every((answer) => answer === "")).toBe(true); // all still waiting for their bytes
    // Another user of the same key, from another address: served.
    const response = await fetch(`${stalled.url}/v1/analyze`, {
      method: "POST",
      body: ANY_IMAGE,
      headers: { "content-type": "image/jpeg", authorization: `Bearer ${KEY}`, "x-session-id": "honest-session-1" },
    });
    expect(response.status).toBe(200);
    // The stalling address itself is held to its own allowance of uploads in progress.
    const more = await stall("stalled-session-extra");
    expect(more).toStartWith("HTTP/1.1 429");
    expect(more).toContain("uploads in progress for this caller from this address");
  });
});
