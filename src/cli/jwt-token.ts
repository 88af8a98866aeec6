/**
 * `vigil jwt-token --sub alice`: an HS256 token for trying a server with VIGIL_AUTH=jwt locally. It reads
 * the same VIGIL_JWT_SECRET, VIGIL_JWT_AUDIENCE and VIGIL_JWT_ISSUER as the server (flags override them), so
 * the token it prints is one that server accepts. Real deployments get tokens from their own identity
 * provider; this is not one.
 */
import { parseArgs } from "node:util";
import { SignJWT } from "jose";

export const JWT_TOKEN_USAGE =
  "vigil jwt-token --sub SUBJECT [--secret S] [--audience A] [--issuer I] [--ttl-seconds 3600]";

export async function mintJwtToken(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: "string" },
      secret: { type: "string" },
      audience: { type: "string" },
      issuer: { type: "string" },
      "ttl-seconds": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const secret = values.secret ?? env.VIGIL_JWT_SECRET;
  const audience = values.audience ?? env.VIGIL_JWT_AUDIENCE;
  const issuer = values.issuer ?? env.VIGIL_JWT_ISSUER;
  const ttl = Number(values["ttl-seconds"] ?? 3600);
  const missing = [
    !values.sub && "--sub",
    !secret && "--secret (or VIGIL_JWT_SECRET)",
    !audience && "--audience (or VIGIL_JWT_AUDIENCE)",
    !issuer && "--issuer (or VIGIL_JWT_ISSUER)",
  ].filter(Boolean);
  if (missing.length) throw new Error(`missing ${missing.join(", ")}; usage: ${JWT_TOKEN_USAGE}`);
  if (!(Number.isInteger(ttl) && ttl > 0)) throw new Error("--ttl-seconds must be a positive whole number");
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(values.sub!)
    .setAudience(audience!)
    .setIssuer(issuer!)
    .setIssuedAt()
    .setExpirationTime(`${ttl}s`)
    .sign(new TextEncoder().encode(secret));
}

/** Prints a token from the flags and VIGIL_JWT_*; exit status 2 (with the reason) when one cannot be made. */
export async function jwtTokenCommand(args: string[]): Promise<number | undefined> {
  try {
    console.log(await mintJwtToken(args, process.env));
    return undefined;
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
}
