/** VIGIL_JWKS_FILE: read and checked by config.ts, used by the JWT verifier (server/jwt-auth.ts). */
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import type { JSONWebKeySet, JWK } from "jose";

/** Members that only a private (or symmetric) key has: a JWKS file for verification must hold none. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/**
 * Reads and checks a JWKS file: public RSA (2048 bits or more, for RS256) or P-256 EC (for ES256) signing
 * keys, each importable. Throws an Error whose message says what is wrong; config.ts names the variable.
 */
export function loadJwksFile(path: string): JSONWebKeySet {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON (a JWKS file is {"keys": [ ...public JWKs... ]})`);
  }
  const keys = (json as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new Error(`${path} has no "keys" array of public keys (a JWKS file is {"keys": [ ... ]})`);
  keys.forEach((key: JWK, index) => {
    const where = `${path}: key ${index}${key?.kid ? ` (kid ${key.kid})` : ""}`;
    if (typeof key !== "object" || key === null) throw new Error(`${where} is not a JSON object`);
    const leaked = PRIVATE_MEMBERS.filter((member) => member in key);
    if (leaked.length)
      throw new Error(
        `${where} holds private or secret key material (${leaked.join(", ")}); the file must hold public keys only`,
      );
    if (key.use !== undefined && key.use !== "sig")
      throw new Error(`${where} has use "${key.use}"; only signing keys ("sig") verify tokens`);
    if (key.kty === "RSA") {
      if (key.alg !== undefined && key.alg !== "RS256")
        throw new Error(`${where} has alg ${key.alg}; RSA keys are accepted for RS256`);
    } else if (key.kty === "EC") {
      if (key.crv !== "P-256") throw new Error(`${where} is on curve ${key.crv}; ES256 needs P-256`);
      if (key.alg !== undefined && key.alg !== "ES256")
        throw new Error(`${where} has alg ${key.alg}; P-256 keys are accepted for ES256`);
    } else {
      throw new Error(`${where} has kty ${key.kty}; RS256 (kty RSA) and ES256 (kty EC, P-256) keys are accepted`);
    }
    let publicKey: ReturnType<typeof createPublicKey>;
    try {
      publicKey = createPublicKey({ key: key as JsonWebKey, format: "jwk" });
    } catch (error) {
      throw new Error(`${where} is not a valid ${key.kty} public key: ${(error as Error).message}`);
    }
    const bits = publicKey.asymmetricKeyDetails?.modulusLength;
    if (key.kty === "RSA" && (bits ?? 0) < 2048)
      throw new Error(`${where} is a ${bits}-bit RSA key; RS256 needs 2048 bits or more`);
  });
  return { keys };
}
