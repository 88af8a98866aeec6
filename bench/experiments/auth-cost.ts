/**
 * What authentication costs per request on the HTTP thread (it runs there, not in a worker): CPU time of
 * Vigil's own authentication middleware (src/server/access.ts, jwt-auth.ts) on a request, for each mode,
 * against the same request with VIGIL_AUTH=none. CPU time (process.cpuUsage), not wall time: this machine is
 * shared. Writes bench/results/auth-cost.{json,md}.
 *   npx bun bench/experiments/auth-cost.ts
 */
import { writeFileSync, mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { authenticate, hashApiKey, type AccessConfig } from "../../src/server/access";
import { toApiError } from "../../src/server/api-error";
import type { AccessEnv } from "../../src/server/principal";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const REQUESTS = 3000;
const ROUNDS = 5;
const AUDIENCE = "vigil";
const ISSUER = "https://id.example.org";
const SECRET = "a-bench-secret-of-at-least-32-characters";
const KEY = "bench-api-key-0123456789abcdef";

const base: AccessConfig = {
  auth: "none",
  apiKeyHashes: [hashApiKey("another-key-1"), hashApiKey("another-key-2"), hashApiKey(KEY)],
  corsOrigins: [],
  rateLimitPerSecond: 4,
  rateLimitPerPrincipalPerSecond: 40,
  maxInFlightPerClient: 4,
  maxInFlightPerPrincipal: 16,
  jwtAudience: AUDIENCE,
  jwtIssuer: ISSUER,
  jwtClockToleranceSeconds: 30,
};

const rsa = await generateKeyPair("RS256", { extractable: true });
const ec = await generateKeyPair("ES256", { extractable: true });
const jwksFile = join(mkdtempSync(join(tmpdir(), "vigil-bench-jwks-")), "jwks.json");
writeFileSync(
  jwksFile,
  JSON.stringify({
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: "rsa" },
      { ...(await exportJWK(ec.publicKey)), kid: "ec" },
    ],
  }),
);
const token = (alg: string, key: CryptoKey | Uint8Array, kid?: string) =>
  new SignJWT({})
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setSubject("alice")
    .setAudience(AUDIENCE)
    .setIssuer(ISSUER)
    .setExpirationTime("1h")
    .sign(key);

const modes: Array<{ mode: string; config: AccessConfig; bearer?: string }> = [
  { mode: "none (baseline)", config: base },
  { mode: "API key (3 configured)", config: { ...base, auth: "keys" }, bearer: KEY },
  {
    mode: "JWT HS256 (secret)",
    config: { ...base, auth: "jwt", jwtSecret: SECRET },
    bearer: await token("HS256", new TextEncoder().encode(SECRET)),
  },
  {
    mode: "JWT RS256 (JWKS, 2048-bit)",
    config: { ...base, auth: "jwt", jwksFile },
    bearer: await token("RS256", rsa.privateKey, "rsa"),
  },
  {
    mode: "JWT ES256 (JWKS, P-256)",
    config: { ...base, auth: "jwt", jwksFile },
    bearer: await token("ES256", ec.privateKey, "ec"),
  },
];

function appFor(config: AccessConfig) {
  const app = new Hono<AccessEnv>();
  app.use("*", authenticate(config));
  app.get("/v1/x", (c) => c.text(c.var.principal.id));
  app.onError((error) => new Response(toApiError(error).message, { status: 500 }));
  return app;
}

/** CPU microseconds per request, the median of ROUNDS rounds of REQUESTS requests each. */
async function cpuPerRequest(app: Hono<AccessEnv>, bearer: string | undefined): Promise<number> {
  const headers = bearer ? { authorization: `Bearer ${bearer}` } : undefined;
  const check = await app.request("/v1/x", { headers });
  if (check.status !== 200) throw new Error(`the bench request was refused: ${check.status} ${await check.text()}`);
  for (let i = 0; i < 200; i++) await app.request("/v1/x", { headers });
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < REQUESTS; i++) await app.request("/v1/x", { headers });
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / REQUESTS);
  }
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(ROUNDS / 2)];
}

const rows: Array<{ mode: string; cpuMicrosecondsPerRequest: number; overNoneMicroseconds: number }> = [];
let baseline = 0;
for (const { mode, config, bearer } of modes) {
  const micros = await cpuPerRequest(appFor(config), bearer);
  if (config.auth === "none") baseline = micros;
  rows.push({
    mode,
    cpuMicrosecondsPerRequest: Math.round(micros * 10) / 10,
    overNoneMicroseconds: Math.round((micros - baseline) * 10) / 10,
  });
}

const machine = `${cpus().length} x ${cpus()[0]?.model.trim()}; load average ${loadavg()
  .map((l) => l.toFixed(2))
  .join(" ")}`;
const date = new Date().toISOString().slice(0, 10);
writeFileSync(
  new URL("../results/auth-cost.json", import.meta.url),
  JSON.stringify({ date, machine, requests: REQUESTS, rounds: ROUNDS, bun: Bun.version, rows }, null, 2) + "\n",
);
const table = rows.map((r) => `| ${r.mode} | ${r.cpuMicrosecondsPerRequest} | ${r.overNoneMicroseconds} |`).join("\n");
writeFileSync(
  new URL("../results/auth-cost.md", import.meta.url),
  `# Authentication's CPU cost per request (${date})

${machine}; Bun ${Bun.version}. CPU time (user + system, process.cpuUsage) of ${REQUESTS} requests through
Vigil's authentication middleware in a Hono app (in process, no network), median of ${ROUNDS} rounds.
Command: \`npx bun bench/experiments/auth-cost.ts\`.

| mode | CPU µs per request | over none, µs |
| --- | --- | --- |
${table}

It runs on the HTTP thread, once per request; a frame's analysis costs about 26 ms of a worker's CPU
(bench/results/engine-stages.md).
`,
);
console.log(table);
