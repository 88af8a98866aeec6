/**
 * The server's log lines and the request id.
 *   - Every request carries an id: the client's `X-Request-Id` when it is sane (1-128 characters of
 *     A-Z a-z 0-9 . _ : -), else a new UUID. It is answered in `X-Request-Id`, added to every JSON error body
 *     (`error.requestId`), and written in the request's log line, so a client's report finds its line.
 *   - VIGIL_LOG_FORMAT=text: `<ISO time> <message>` lines, as a person reads them. json: one JSON object per
 *     line, for a log pipeline: a request's line has time, level, requestId, method, route (the matched
 *     pattern, never the raw path), status, durationMs, instance and principal (the first 16 hex digits of
 *     the sha256 of the caller's principal, so no key, token subject or address is written); other lines
 *     have time, level, instance and msg. Nothing from a request's body, query or headers but its id is
 *     written: no image data, keys or tokens.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";

export type LogFormat = "text" | "json";

/** What one answered request writes. */
export interface RequestRecord {
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  /** sha256 of the principal, 16 hex digits; absent on routes without authentication. */
  principal?: string;
}

/** A log: called with a message line; `request` writes an answered request's line. */
export interface Log {
  (line: string): void;
  request?: (record: RequestRecord) => void;
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id (set by the requestId middleware, c.var.requestId). */
export const requestIdOf = (c: Context): string => c.get("requestId") ?? "-";

/** The client's request id when it is sane, else a new one. */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

export const principalHash = (principalId: string) =>
  createHash("sha256").update(principalId).digest("hex").slice(0, 16);

const levelOf = (line: string) => (/^error\b/i.test(line) ? "error" : /^warning\b/i.test(line) ? "warn" : "info");

/** A request's text line: method, route, status, time, request id. */
export const requestLine = (r: RequestRecord) =>
  `${r.method} ${r.route} ${r.status} ${r.durationMs.toFixed(1)}ms ${r.requestId}`;

/** The process's log in the configured format, written by `write` (stdout). */
export function createLog(format: LogFormat, instance: string, write: (line: string) => void = console.log): Log {
  if (format === "text") {
    const log: Log = (line) => write(`${new Date().toISOString()} ${line}`);
    log.request = (r) => log(requestLine(r));
    return log;
  }
  const log: Log = (line) =>
    write(JSON.stringify({ time: new Date().toISOString(), level: levelOf(line), instance, msg: line }));
  log.request = (r) =>
    write(
      JSON.stringify({
        time: new Date().toISOString(),
        level: r.status >= 500 ? "error" : "info",
        requestId: r.requestId,
        method: r.method,
        route: r.route,
        status: r.status,
        durationMs: Math.round(r.durationMs * 10) / 10,
        instance,
        ...(r.principal ? { principal: r.principal } : {}),
      }),
    );
  return log;
}

/**
 * Sets the request id (c.var.requestId, `X-Request-Id`) and adds it to a JSON error body, whichever part of
 * the app answered the error (handlers, authentication, limits).
 */
export function requestId(): MiddlewareHandler {
  return async (c, next) => {
    const id = requestIdFrom(c.req.header("x-request-id"));
    c.set("requestId", id);
    await next();
    c.res.headers.set("X-Request-Id", id);
    if (c.res.status < 400 || !c.res.headers.get("content-type")?.startsWith("application/json")) return;
    const body = await c.res
      .clone()
      .json()
      .catch(() => undefined);
    if (!body?.error || typeof body.error !== "object") return;
    body.error.requestId = id;
    const { status, headers } = c.res;
    headers.delete("content-length");
    c.res = undefined; // replaced whole, not merged with the old answer's headers
    c.res = new Response(JSON.stringify(body), { status, headers });
  };
}

/** The line of an answered request; `principal` is the principal's id when the route authenticated one. */
export function requestRecord(c: Context, route: string, durationMs: number, principal?: string): RequestRecord {
  return {
    requestId: requestIdOf(c),
    method: c.req.method,
    route,
    status: c.res.status,
    durationMs,
    ...(principal ? { principal: principalHash(principal) } : {}),
  };
}
