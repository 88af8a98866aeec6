/**
 * JWT bearer tokens (VIGIL_AUTH=jwt), verified with `jose`: a study platform hands each user a short-lived
 * token, and Vigil stores no users. The token's `sub` under its `iss` becomes the request's principal.
 *
 * What is checked, and why `jose` does it rather than a hand-written verifier:
 *   - the algorithm is pinned by the configured key: HS256 with VIGIL_JWT_SECRET, RS256 or ES256 with
 *     VIGIL_JWKS_FILE; `alg: none` and any other algorithm are refused before a key is chosen, so an HS256
 *     token "signed" with an RSA public key is never checked against it (jose also binds each JWK to the
 *     algorithms of its key type);
 *   - every part of the token in canonical base64url, before jose sees it (one spelling per token; jose alone
 *     accepts padded or stray-bit variants);
 *   - the signature, before any claim is trusted. An ES256 signature's high-s twin (s replaced by n - s) is
 *     accepted, as jose accepts it: signers do not normalise s, so about half of all valid ES256 tokens carry
 *     a high s, and the twin signs the same claims (Vigil keeps nothing keyed by a token's bytes: no replay
 *     list, no cache);
 *   - `aud` and `iss` equal to the configured ones; `exp` required and in the future, `nbf` (if present) in
 *     the past, both with a small clock leeway (VIGIL_JWT_CLOCK_TOLERANCE_SECONDS); `sub` required.
 * A refusal is 401 `unauthorized` with a message saying which check failed, and a WWW-Authenticate challenge
 * (RFC 6750).
 */
import type { MiddlewareHandler } from "hono";
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";
import { loadJwksFile } from "../auth/jwks-file";
import { bearerCredential, unauthorized } from "./bearer";
import { jwtPrincipal, type AccessEnv } from "./principal";

export interface JwtConfig {
  jwtSecret?: string;
  jwksFile?: string;
  jwtAudience?: string;
  jwtIssuer?: string;
  jwtClockToleranceSeconds: number;
}

const SECRET_ALGORITHMS = ["HS256"];
const PUBLIC_KEY_ALGORITHMS = ["RS256", "ES256"];
/** Longest `sub` accepted: it becomes part of every session's store key. */
const MAX_SUBJECT_LENGTH = 256;

/** Why a token was refused, in words a client developer can act on. */
function explain(error: unknown, config: JwtConfig, algorithms: string[]): string {
  if (error instanceof errors.JWTExpired) return "the token has expired (exp is in the past)";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") {
      const what: Record<string, string> = {
        sub: "a subject (sub)",
        exp: "an expiry (exp)",
        aud: "an audience (aud)",
        iss: "an issuer (iss)",
      };
      return `the token has no ${error.claim}: it must carry ${what[error.claim] ?? error.claim}`;
    }
    if (error.claim === "aud") return `wrong audience: the token's aud is not ${config.jwtAudience}`;
    if (error.claim === "iss") return `wrong issuer: the token's iss is not ${config.jwtIssuer}`;
    if (error.claim === "nbf") return "the token is not valid yet (nbf is in the future)";
    return `the token's ${error.claim} claim is not valid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return "bad signature: the token was not signed by a key this server trusts";
  if (error instanceof errors.JOSEAlgNotAllowed)
    return `the token's algorithm is not accepted; this server accepts ${algorithms.join(" or ")}`;
  if (error instanceof errors.JWKSNoMatchingKey)
    return "bad signature: no key in the server's JWKS matches the token (kid, alg)";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return "the token is malformed (not a signed JWT)";
  return "the token is not valid";
}

/** Verifies `token`; with several JWKS keys that fit it (no kid), each is tried in turn. */
async function verifyToken(
  token: string,
  key: Uint8Array | ReturnType<typeof createLocalJWKSet>,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  if (key instanceof Uint8Array) return (await jwtVerify(token, key, options)).payload;
  try {
    return (await jwtVerify(token, key, options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const candidate of error as unknown as AsyncIterable<CryptoKey>) {
      try {
        return (await jwtVerify(token, candidate, options)).payload;
      } catch (attempt) {
        if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/**
 * jose decodes base64url leniently (Uint8Array.fromBase64's loose mode): a signature with `=` appended, or with
 * the unused low bits of its last character changed, decodes to the same bytes and verifies. So one token would
 * have many spellings; only the canonical one (what an encoder writes) is accepted.
 */
function isCanonicalBase64url(part: string): boolean {
  return /^[A-Za-z0-9_-]*$/.test(part) && Buffer.from(part, "base64url").toString("base64url") === part;
}

/** The authentication middleware for VIGIL_AUTH=jwt; config.ts has checked that one key source is set. */
export function jwtAuth(config: JwtConfig): MiddlewareHandler<AccessEnv> {
  const key =
    config.jwtSecret !== undefined
      ? new TextEncoder().encode(config.jwtSecret)
      : createLocalJWKSet(loadJwksFile(config.jwksFile!));
  const algorithms = config.jwtSecret !== undefined ? SECRET_ALGORITHMS : PUBLIC_KEY_ALGORITHMS;
  const options: JWTVerifyOptions = {
    algorithms,
    audience: config.jwtAudience,
    issuer: config.jwtIssuer,
    clockTolerance: config.jwtClockToleranceSeconds,
    requiredClaims: ["sub", "exp"],
  };
  return async (c, next) => {
    const token = bearerCredential(c, "a JWT");
    if (!token.split(".").every(isCanonicalBase64url)) {
      throw unauthorized("the token is malformed: each part must be canonical base64url (no padding, no stray bits)");
    }
    let payload: JWTPayload;
    try {
      payload = await verifyToken(token, key, options);
    } catch (error) {
      throw unauthorized(explain(error, config, algorithms));
    }
    const { sub, iss } = payload;
    if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
      throw unauthorized(`the token's sub must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`);
    }
    // JSON may carry a lone UTF-16 surrogate ("\ud800"): valid JSON, not text, and no principal can be made of it.
    if (!sub.isWellFormed() || (typeof iss === "string" && !iss.isWellFormed())) {
      throw unauthorized("the token's sub or iss is not well-formed Unicode (it holds a lone UTF-16 surrogate)");
    }
    c.set("principal", jwtPrincipal(String(iss), sub));
    await next();
  };
}
