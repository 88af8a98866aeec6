/**
 * The bearer credential of a request (RFC 6750), read the same way for API keys and JWTs, and the one refusal
 * both modes give: 401 `unauthorized` with a WWW-Authenticate challenge. A header that is missing gets a bare
 * challenge; one that is not `Bearer <b64token>` (a lone `Bearer`, `Basic ...`, a space or a non-ASCII
 * character in the credential, two Authorization lines) gets `error="invalid_request"`; a credential that is
 * well formed but refused gets `error="invalid_token"`. RFC 6750 allows 400 for a malformed request; 401 is
 * used for all three so that a client has one status to handle, whichever mode the server runs in.
 */
import type { Context } from "hono";
import { ApiError } from "./api-error";

/** RFC 6750's b64token: the characters a bearer credential may hold (base64, base64url and a JWT's dots). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function unauthorized(
  message: string,
  error: "invalid_token" | "invalid_request" | null = "invalid_token",
): ApiError {
  // The description repeats the message, as a quoted header value: printable ASCII without quotes.
  const description = message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, "?");
  return new ApiError(401, "unauthorized", message, {
    "WWW-Authenticate": error
      ? `Bearer realm="vigil", error="${error}", error_description="${description}"`
      : `Bearer realm="vigil"`,
  });
}

/** The request's bearer credential; 401 when there is none or the header is malformed. `what`: "a JWT", ... */
export function bearerCredential(c: Context, what: string): string {
  const header = c.req.header("authorization");
  if (!header)
    throw unauthorized(`send ${what} as Authorization: Bearer <${what === "a JWT" ? "token" : "key"}>`, null);
  const match = BEARER.exec(header);
  if (!match)
    throw unauthorized(
      "the Authorization header is not a Bearer token: one `Bearer <credential>` of base64url characters",
      "invalid_request",
    );
  return match[1];
}
