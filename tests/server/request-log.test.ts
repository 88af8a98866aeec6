/**
 * Request ids and the log lines (src/server/request-log.ts), through the real app (createApp) on a fake
 * analysis backend (tests/support/fake-backend.ts) whose every analysis fails: the id is taken from the client when sane, made otherwise, answered in X-Request-Id and in
 * every JSON error body (whichever middleware answered), and the JSON log holds one object per line with the
 * request's fields and never the image, the key or the token.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { hashApiKey } from "../../src/server/access";
import { createLog, principalHash, requestIdFrom } from "../../src/server/request-log";
import { FakeBackend, type FakeServer, startFakeServer } from "../support/fake-backend";

const KEY = "request-log-test-key-0123456789";
const IMAGE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new TextEncoder().encode("SECRET-IMAGE-BYTES")]);

/** A backend whose analysis fails: the app's 500 path. */
class FailingBackend extends FakeBackend {
  override async analyze(): Promise<never> {
    throw new Error("the fake backend fails every frame");
  }
}

const servers: FakeServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
});

function appWithLog(format: "text" | "json") {
  const lines: string[] = [];
  const log = createLog(format, "pod-a", (line) => lines.push(line));
  const env = {
    VIGIL_AUTH: "keys",
    VIGIL_API_KEY_HASHES: hashApiKey(KEY),
    VIGIL_INSTANCE_ID: "pod-a",
    VIGIL_LOG_REQUESTS: "true",
    VIGIL_LOG_FORMAT: format,
  };
  const server = startFakeServer(env, new FailingBackend(), log);
  servers.push(server);
  const app = { request: (path: string, init?: RequestInit) => fetch(server.url + path, init) };
  return { app, lines };
}

describe("request ids", () => {
  test("a sane X-Request-Id is kept; a missing or unsafe one is replaced by a new UUID", () => {
    expect(requestIdFrom("abc-123_x.y:z")).toBe("abc-123_x.y:z");
    for (const bad of [undefined, "", "a b", "x".repeat(129), "id\r\nSet-Cookie: a=b", "<script>"]) {
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });

  test("answered in X-Request-Id on success and in the error body of every kind of error", async () => {
    const { app } = appWithLog("text");
    const ok = await app.request("/healthz", { headers: { "x-request-id": "client-id-1" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-request-id")).toBe("client-id-1");

    // 401 from the key middleware (a prepared response), 404 from notFound, 415 from the handler, 500 from onError.
    const unauthorized = await app.request("/v1/sessions/abcdefgh", { headers: { "x-request-id": "client-id-2" } });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ error: { code: "unauthorized", requestId: "client-id-2" } });
    expect(unauthorized.headers.get("x-request-id")).toBe("client-id-2");

    const missing = await app.request("/nowhere");
    const made = missing.headers.get("x-request-id");
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found", requestId: made } });

    const auth = { authorization: `Bearer ${KEY}` };
    const unsupported = await app.request("/v1/analyze", {
      method: "POST",
      body: "x",
      headers: { ...auth, "content-type": "text/plain" },
    });
    expect(unsupported.status).toBe(415);
    expect((await unsupported.json()).error.requestId).toBe(unsupported.headers.get("x-request-id"));

    const failed = await app.request("/v1/analyze", {
      method: "POST",
      body: IMAGE,
      headers: { ...auth, "content-type": "image/jpeg", "x-request-id": "r-500" },
    });
    expect(failed.status).toBe(500);
    const body = await failed.json();
    expect(body).toEqual({ error: { code: "internal_error", message: "unexpected server error", requestId: "r-500" } });
  });
});

describe("VIGIL_LOG_FORMAT=json", () => {
  test("one JSON object per line with the request's fields; no image bytes, key, token or raw path", async () => {
    const { app, lines } = appWithLog("json");
    const auth = { authorization: `Bearer ${KEY}` };
    await app.request("/v1/analyze?landmarks=1", {
      method: "POST",
      body: IMAGE,
      headers: { ...auth, "content-type": "image/jpeg", "x-request-id": "frame-1" },
    });
    await app.request("/v1/sessions/secret-session-id", { headers: { ...auth, "x-request-id": "session-1" } });
    await app.request("/v1/sessions/short", { headers: { ...auth, "x-request-id": "session-2" } });
    await app.request("/healthz", { headers: { "x-request-id": "health-1" } });

    const records = lines.map((line) => JSON.parse(line));
    const analyze = records.find((r) => r.requestId === "frame-1");
    expect(analyze).toMatchObject({
      level: "error",
      method: "POST",
      route: "/v1/analyze",
      status: 500,
      instance: "pod-a",
    });
    expect(analyze.principal).toBe(principalHash(`key:${hashApiKey(KEY).slice(0, 16)}`));
    expect(analyze.principal).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof analyze.durationMs).toBe("number");
    expect(new Date(analyze.time).toISOString()).toBe(analyze.time);
    // The handler's 500 also wrote its error line, as a JSON object with its level.
    expect(
      records.some((r) => r.level === "error" && typeof r.msg === "string" && r.msg.startsWith("error on POST")),
    ).toBe(true);
    // The route is the matched pattern (a 404 is `unmatched`, as in the metrics), never the path with its id.
    expect(records.find((r) => r.requestId === "session-1")).toMatchObject({
      route: "unmatched",
      status: 404,
      level: "info",
    });
    expect(records.find((r) => r.requestId === "session-2")).toMatchObject({ route: "/v1/sessions/:id", status: 400 });
    // Without authentication on the route, no principal is written.
    expect(records.find((r) => r.requestId === "health-1")).toEqual({
      time: expect.any(String),
      level: "info",
      requestId: "health-1",
      method: "GET",
      route: "/healthz",
      status: 200,
      durationMs: expect.any(Number),
      instance: "pod-a",
    });
    const all = lines.join("\n");
    for (const secret of ["SECRET-IMAGE-BYTES", KEY, hashApiKey(KEY), "secret-session-id", "landmarks"])
      expect(all).not.toContain(secret);
  });

  test("text lines start with the time and carry the route and the request id", async () => {
    const { app, lines } = appWithLog("text");
    await app.request("/healthz", { headers: { "x-request-id": "t-1" } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z GET \/healthz 200 \d+\.\dms t-1$/);
  });
});
