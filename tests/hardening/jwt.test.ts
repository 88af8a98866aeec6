/**
 * JWT bearer tokens: HS256 with a secret, RS256 and ES256 with a JWKS file made here with jose, and every way a
 * token must be refused. Authentication is the HTTP layer's alone, so the app runs with a fake analysis backend
 * (tests/support/fake-backend.ts), which records the principal each frame and session request is made by.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { startFakeServer } from "../support/fake-backend";
import { fixtureBytes } from "../support/images";

const SECRET = "a-test-secret-of-at-least-32-characters!";
const AUDIENCE = "vigil-test";
const ISSUER = "https://study.example.org";
const now = () => Math.floor(Date.now() / 1000);
const encoder = new TextEncoder();

type Key = CryptoKey | Uint8Array;
/** A token with valid claims unless `claims` overrides or removes (undefined) them. */
async function token(
  alg: string,
  key: Key,
  claims: Partial<Record<keyof JWTPayload, unknown>> = {},
  kid?: string,
): Promise<string> {
  const payload = Object.fromEntries(
    Object.entries({ sub: "alice", aud: AUDIENCE, iss: ISSUER, iat: now(), exp: now() + 600, ...claims }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return new SignJWT(payload).setProtectedHeader(kid ? { alg, kid, typ: "JWT" } : { alg, typ: "JWT" }).sign(key);
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

let photo: Uint8Array<ArrayBuffer>;
const analyze = (url: string, bearer: string | undefined, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/analyze`, {
    method: "POST",
    body: photo,
    headers: { "content-type": "image/jpeg", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
  });

async function expectRefused(response: Response, message: RegExp) {
  expect(response.status).toBe(401);
  const body = await response.json();
  expect(body.error.code).toBe("unauthorized");
  expect(body.error.message).toMatch(message);
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="vigil"/);
}

beforeAll(async () => {
  photo = await fixtureBytes("grace_hopper.jpg");
});

describe("HS256 with VIGIL_JWT_SECRET", () => {
  let server: ReturnType<typeof startFakeServer>;
  const secret = encoder.encode(SECRET);
  beforeAll(() => {
    server = startFakeServer({
      VIGIL_AUTH: "jwt",
      VIGIL_JWT_SECRET: SECRET,
      VIGIL_JWT_AUDIENCE: AUDIENCE,
      VIGIL_JWT_ISSUER: ISSUER,
    });
  });
  afterAll(() => server.stop());

  test("a valid token is accepted and the photo handed to the analysis", async () => {
    const handed = server.backend.frames.length;
    const response = await analyze(server.url, await token("HS256", secret));
    expect(response.status).toBe(200);
    expect(server.backend.frames.slice(handed)).toEqual([expect.objectContaining({ bytes: photo.byteLength })]);
  });

  test("a token expired within the clock leeway (30 s) is still accepted", async () => {
    expect((await analyze(server.url, await token("HS256", secret, { exp: now() - 5 }))).status).toBe(200);
  });

  test("refused: no header, not Bearer, malformed", async () => {
    const missing = await analyze(server.url, undefined);
    await expectRefused(missing, /send a JWT/);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="vigil"');
    await expectRefused(
      await analyze(server.url, undefined, { authorization: "Basic YWxpY2U6c2VjcmV0" }),
      /not a Bearer token/,
    );
    await expectRefused(await analyze(server.url, "not.a-jwt"), /malformed/);
  });

  test("refused: bad signature, expired, wrong audience, wrong issuer, not yet valid", async () => {
    await expectRefused(
      await analyze(server.url, await token("HS256", encoder.encode("another-secret-of-32-characters-or-more"))),
      /bad signature/,
    );
    const tampered = (await token("HS256", secret)).split(".");
    tampered[1] = base64url({ sub: "mallory", aud: AUDIENCE, iss: ISSUER, exp: now() + 600 });
    await expectRefused(await analyze(server.url, tampered.join(".")), /bad signature/);
    const expired = await analyze(server.url, await token("HS256", secret, { exp: now() - 120 }));
    await expectRefused(expired, /expired/);
    expect(expired.headers.get("www-authenticate")).toContain(
      `error="invalid_token", error_description="the token has expired`,
    );
    await expectRefused(
      await analyze(server.url, await token("HS256", secret, { aud: "another-service" })),
      /wrong audience/,
    );
    await expectRefused(
      await analyze(server.url, await token("HS256", secret, { iss: "https://evil.example.org" })),
      /wrong issuer/,
    );
    await expectRefused(await analyze(server.url, await token("HS256", secret, { nbf: now() + 600 })), /not valid yet/);
  });

  test("refused: no sub, an empty sub, no exp, no aud", async () => {
    await expectRefused(await analyze(server.url, await token("HS256", secret, { sub: undefined })), /no sub/);
    await expectRefused(await analyze(server.url, await token("HS256", secret, { sub: "" })), /sub must be a string/);
    await expectRefused(await analyze(server.url, await token("HS256", secret, { exp: undefined })), /no exp/);
    await expectRefused(await analyze(server.url, await token("HS256", secret, { aud: undefined })), /no aud/);
  });

  test("refused: alg none, and algorithms other than the configured HS256", async () => {
    const claims = { sub: "alice", aud: AUDIENCE, iss: ISSUER, exp: now() + 600 };
    await expectRefused(
      await analyze(server.url, `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`),
      /algorithm is not accepted/,
    );
    // The same claims with a valid HS256 signature but the header claiming none: still refused.
    const signed = (await token("HS256", secret)).split(".");
    await expectRefused(
      await analyze(server.url, `${base64url({ alg: "none", typ: "JWT" })}.${signed[1]}.${signed[2]}`),
      /algorithm is not accepted/,
    );
    await expectRefused(
      await analyze(server.url, await token("HS512", secret)),
      /algorithm is not accepted; this server accepts HS256/,
    );
    const { privateKey } = await generateKeyPair("RS256");
    await expectRefused(await analyze(server.url, await token("RS256", privateKey)), /algorithm is not accepted/);
  });

  test("vigil jwt-token prints a token this server accepts, from the same VIGIL_JWT_* settings", async () => {
    const cli = Bun.spawnSync([process.execPath, "src/main.ts", "jwt-token", "--sub", "carol", "--ttl-seconds", "60"], {
      cwd: new URL("../../", import.meta.url).pathname,
      env: { ...process.env, VIGIL_JWT_SECRET: SECRET, VIGIL_JWT_AUDIENCE: AUDIENCE, VIGIL_JWT_ISSUER: ISSUER },
    });
    expect(cli.exitCode).toBe(0);
    expect((await analyze(server.url, cli.stdout.toString().trim())).status).toBe(200);
  });

  test("the token's subject owns its sessions: another subject gets 404 and its own fresh session", async () => {
    const alice = await token("HS256", secret, { sub: "alice" });
    const bob = await token("HS256", secret, { sub: "bob" });
    const id = "jwt-owned-session-1";
    const first = await (await analyze(server.url, alice, { "x-session-id": id })).json();
    expect(first.session).toMatchObject({ id, frames: 1, fresh: true });
    expect(
      (await fetch(`${server.url}/v1/sessions/${id}`, { headers: { authorization: `Bearer ${bob}` } })).status,
    ).toBe(404);
    const bobs = await (await analyze(server.url, bob, { "x-session-id": id })).json();
    expect(bobs.session).toMatchObject({ id, frames: 1, fresh: true });
    const alices = await (
      await fetch(`${server.url}/v1/sessions/${id}`, { headers: { authorization: `Bearer ${alice}` } })
    ).json();
    expect(alices).toMatchObject({ id, frames: 1 });
    // The session is named with the principal of the token's issuer and subject.
    const owners = server.backend.frames.filter((f) => f.session?.id === id).map((f) => f.session?.owner);
    expect(owners).toEqual([`jwt:${encodeURIComponent(ISSUER)}:alice`, `jwt:${encodeURIComponent(ISSUER)}:bob`]);
  });
});

describe("RS256 and ES256 with VIGIL_JWKS_FILE", () => {
  let server: ReturnType<typeof startFakeServer>;
  let rsa: CryptoKeyPair;
  let ec: CryptoKeyPair;
  let rsaPublicPem: string;
  let rsaPublicJwk: object;
  beforeAll(async () => {
    rsa = await generateKeyPair("RS256", { extractable: true });
    ec = await generateKeyPair("ES256", { extractable: true });
    rsaPublicPem = await exportSPKI(rsa.publicKey);
    rsaPublicJwk = { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" };
    const jwks = {
      keys: [rsaPublicJwk, { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" }],
    };
    const file = join(mkdtempSync(join(tmpdir(), "vigil-jwks-")), "jwks.json");
    writeFileSync(file, JSON.stringify(jwks));
    server = startFakeServer({
      VIGIL_AUTH: "jwt",
      VIGIL_JWKS_FILE: file,
      VIGIL_JWT_AUDIENCE: AUDIENCE,
      VIGIL_JWT_ISSUER: ISSUER,
    });
  });
  afterAll(() => server.stop());

  test("RS256 and ES256 tokens signed by the listed keys are accepted, with or without a kid", async () => {
    expect((await analyze(server.url, await token("RS256", rsa.privateKey, {}, "rsa-1"))).status).toBe(200);
    expect((await analyze(server.url, await token("ES256", ec.privateKey, {}, "ec-1"))).status).toBe(200);
    expect((await analyze(server.url, await token("ES256", ec.privateKey))).status).toBe(200);
  });

  test("refused: signed by another key (same kid), or a kid not in the file", async () => {
    const stranger = await generateKeyPair("RS256");
    await expectRefused(
      await analyze(server.url, await token("RS256", stranger.privateKey, {}, "rsa-1")),
      /bad signature/,
    );
    await expectRefused(
      await analyze(server.url, await token("RS256", rsa.privateKey, {}, "unknown-kid")),
      /no key in the server's JWKS/,
    );
    const otherEc = await generateKeyPair("ES256");
    await expectRefused(await analyze(server.url, await token("ES256", otherEc.privateKey)), /bad signature/);
  });

  test("refused: HS256 'signed' with the server's RSA public key (algorithm confusion), and alg none", async () => {
    for (const publicKeyText of [rsaPublicPem, JSON.stringify(rsaPublicJwk)]) {
      await expectRefused(
        await analyze(server.url, await token("HS256", encoder.encode(publicKeyText), {}, "rsa-1")),
        /algorithm is not accepted; this server accepts RS256 or ES256/,
      );
    }
    const claims = { sub: "alice", aud: AUDIENCE, iss: ISSUER, exp: now() + 600 };
    await expectRefused(
      await analyze(server.url, `${base64url({ alg: "none", kid: "rsa-1" })}.${base64url(claims)}.`),
      /algorithm is not accepted/,
    );
  });

  test("refused: expired, wrong audience, wrong issuer, no sub (checked after the signature)", async () => {
    await expectRefused(
      await analyze(server.url, await token("RS256", rsa.privateKey, { exp: now() - 3600 }, "rsa-1")),
      /expired/,
    );
    await expectRefused(
      await analyze(server.url, await token("ES256", ec.privateKey, { aud: "someone-else" }, "ec-1")),
      /wrong audience/,
    );
    await expectRefused(
      await analyze(server.url, await token("ES256", ec.privateKey, { iss: "https://other.example.org" }, "ec-1")),
      /wrong issuer/,
    );
    await expectRefused(
      await analyze(server.url, await token("RS256", rsa.privateKey, { sub: undefined }, "rsa-1")),
      /no sub/,
    );
  });

  test("/openapi.json documents the bearer JWT scheme on the /v1 routes", async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(document.components.securitySchemes.jwt).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    expect(document.components.securitySchemes.apiKey).toBeUndefined();
    expect(document.paths["/v1/analyze"].post.security).toEqual([{ jwt: [] }]);
    expect(document.paths["/v1/analyze"].post.responses["401"]).toBeDefined();
    expect(document.paths["/v1/sessions/{id}"].get.security).toEqual([{ jwt: [] }]);
    expect(document.paths["/healthz"].get.security).toBeUndefined();
  });
});
