/**
 * JWT bearer tokens (VIGIL_AUTH=jwt), verified with `jose`: a study platform hands each user a short-lived
 * token, and Vigil stores no users. The token's `sub` under its `iss` becomes the request's principal.
 *
 * What is checked, and why `jose` does it rather than a hand-written verifier:
 *   - the algorithm is pinned by the configured key: HS256 with VIGIL_JWT_SECRET, RS256 or ES256 with
 *     VIGIL_JWKS_FILE; `alg: none` and any other algorithm are refused before a key is chosen, so an HS256
 *     token "signed" with an RSA public key is never checked against it (jose also binds each JWK to the
 *     algorithms of its key type);
 *   - the signature, before any claim is trusted;
 *   - `aud` and `iss` equal to the configured ones; `exp` required and in the future, `nbf` (if present) in
 *     the past, both with a small clock leeway (VIGIL_JWT_CLOCK_TOLERANCE_SECONDS); `sub` required.
 * A refusal is 401 `unauthorized` with a message saying which check failed, and a WWW-Authenticate challenge
 * (RFC 6750).
 */
import type { MiddlewareHandler } from "hono";
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";
import { loadJwksFile } from "../auth/jwks-file";
import { ApiError } from "./api-error";
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
/** 401 with an RFC 6750 challenge: no error code when no credentials were sent at all. */
function unauthorized(message: string, error: "invalid_token" | "invalid_request" | null = "invalid_token"): ApiError {
  // The description repeats the message, as a quoted header value: printable ASCII without quotes.
  const description = message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, "?");
  return new ApiError(401, "unauthorized", message, {
    "WWW-Authenticate": error
      ? `Bearer realm="vigil", error="${error}", error_description="${description}"`
      : `Bearer realm="vigil"`,
  });
}

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
    const header = c.req.header("authorization");
    if (!header) throw unauthorized("send a JWT as Authorization: Bearer <token>", null);
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized("the Authorization header is not a Bearer token", "invalid_request");
    let payload: JWTPayload;
    try {
      payload = await verifyToken(match[1], key, options);
    } catch (error) {
      throw unauthorized(explain(error, config, algorithms));
    }
    const { sub, iss } = payload;
    if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
      throw unauthorized(`the token's sub must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`);
    }
    c.set("principal", jwtPrincipal(String(iss), sub));
    await next();
  };
}
