/**
 * The HTTP API (Hono). Routes are documented from the zod schemas in schemas.ts; the analyze route reads
 * the body itself (raw image or multipart) so that size limits, content types and image checks each give
 * their own clear error before a frame reaches the worker pool.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { routePath } from "hono/route";
import type { ServerConfig } from "../config";
import { ApiError, errorResponse, toApiError } from "./api-error";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { authenticate, corsPolicy, frameRateLimits, inFlightLimit, receiveUpload, securityHeaders } from "./access";
import { allowedMethodsOf } from "./allowed-methods";
import { registerDemo } from "./demo-page";
import { registerDocs } from "./docs";
import { createIdleCollector, IDLE_COLLECT_MS } from "../pool/idle-collector";
import type { Metrics } from "./metrics";
import { principalOf, type AccessEnv, type SessionRef } from "./principal";
import type { SessionStoreHealth } from "../session/session-store";
import { AnalyzeQuery, CAPTURE_TIME_PATTERN, SESSION_ID_PATTERN, type AnalysisBody } from "./schemas";
import { parseFrameCrop } from "../frame/crop-frame";
import type { FrameCrop } from "../frame/frame-contract";
import { analysisBody, type AnalyzedFrame } from "./analysis-body";
import { requestId, requestLine, requestRecord, type Log } from "./request-log";

/**
 * A frame's session, from its headers. A session is always named with its owner (the caller's principal): the
 * same id under another principal is another session (principal.ts, sessionStoreKey).
 */
export interface SessionCapture extends SessionRef {
  /** Capture time, ms since the epoch. */
  capturedAt: number;
}

/** What the app needs from the engine room; the server wires the worker pool in, tests may too. */
export interface AnalysisBackend {
  analyze(
    image: Uint8Array,
    options: { landmarks: boolean; session?: SessionCapture; crop?: FrameCrop },
  ): Promise<AnalyzedFrame>;
  session(ref: SessionRef): Promise<AnalysisBody["session"] | undefined>;
  forgetSession(ref: SessionRef): Promise<boolean>;
  readiness(): {
    ready: boolean;
    workers: { size: number; ready: number; busy: number; queued: number; restarts: number; recycled: number };
    sessions: SessionStoreHealth;
  };
}

export interface AppOptions {
  config: ServerConfig;
  backend: AnalysisBackend;
  metrics: Metrics;
  /** Message lines; with `request` (request-log.ts createLog), each answered request's line too. */
  log: Log;
}

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);
/** A capture time further from the server's clock than this is refused: a wrong clock or a wrong unit. */
const CAPTURE_TIME_PAST_MS = 24 * 3600_000;
const CAPTURE_TIME_FUTURE_MS = 60_000;

export function createApp({ config, backend, metrics, log }: AppOptions) {
  const app = new OpenAPIHono<AccessEnv>();

  const idle = createIdleCollector(IDLE_COLLECT_MS);
  app.use("*", requestId());
  // Metrics and the access log. The route label is the matched pattern, never the raw path (bounded labels).
  app.use("*", async (c, next) => {
    idle.touch();
    // Which instance answered: with a balancer in front, this shows where a session lives.
    c.header("X-Vigil-Instance", config.instanceId);
    const started = performance.now();
    metrics.inFlight.inc();
    try {
      await next();
    } finally {
      metrics.inFlight.dec();
      const seconds = (performance.now() - started) / 1000;
      const route = c.res.status === 404 || c.res.status === 405 ? "unmatched" : routePath(c);
      metrics.requestDuration.observe({ method: c.req.method, route, status: String(c.res.status) }, seconds);
      // Route, status and request id: no query string, no body, no headers (frames and keys never reach the logs).
      if (config.logRequests) {
        const record = requestRecord(c, route, seconds * 1000, c.get("principal")?.id);
        if (log.request) log.request(record);
        else log(requestLine(record));
      }
    }
  });

  app.use("*", securityHeaders());
  app.use("/v1/*", corsPolicy(config));
  app.use("/v1/*", authenticate(config));
  for (const limit of frameRateLimits(config)) {
    app.on("POST", "/v1/analyze", limit);
    app.on("GET", "/v1/sessions/:id", limit);
  }
  // A frame counts against its session's and principal's caps once its body is in (receiveUpload).
  const inFlight = inFlightLimit(config);
  app.on(["GET", "DELETE"], "/v1/sessions/:id", inFlight);

  app.get("/healthz", (c) => c.json({ status: "ok" as const }));

  app.get("/readyz", (c) => {
    const { ready, workers, sessions } = backend.readiness();
    return c.json({ status: ready ? ("ready" as const) : ("loading" as const), workers, sessions }, ready ? 200 : 503);
  });

  app.get("/metrics", async (c) => {
    c.header("Content-Type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.post(
    "/v1/analyze",
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: () => {
        throw new ApiError(413, "body_too_large", `the request body is larger than ${config.maxBodyBytes} bytes`);
      },
    }),
    receiveUpload(config),
    inFlight,
    async (c) => {
      const started = performance.now();
      const query = AnalyzeQuery.safeParse(c.req.query());
      if (!query.success) throw new ApiError(400, "invalid_query", "landmarks must be 0 or 1");
      const session = readSessionCapture(c);
      const crop = readFrameCrop(c, session, config);
      const image = await readImage(c);
      const analyzed = await backend.analyze(image, { landmarks: query.data.landmarks, session, crop });
      return c.json(analysisBody(analyzed, performance.now() - started));
    },
  );

  app.get("/v1/sessions/:id", async (c) => {
    const id = validSessionId(c.req.param("id"));
    // Another principal's session with this id is not found either: its existence is not revealed.
    const session = await backend.session({ owner: principalOf(c).id, id });
    if (!session) throw new ApiError(404, "session_not_found", `no session ${id} (never seen, expired, or forgotten)`);
    return c.json(session);
  });

  app.delete("/v1/sessions/:id", async (c) => {
    const id = validSessionId(c.req.param("id"));
    if (!(await backend.forgetSession({ owner: principalOf(c).id, id })))
      throw new ApiError(404, "session_not_found", `no session ${id}`);
    return c.body(null, 204);
  });

  registerDocs(app, config.auth);
  if (config.demo) registerDemo(app);

  const allowedMethods = allowedMethodsOf(app.routes);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length === 0) {
      return errorResponse(c, new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
    }
    return errorResponse(
      c,
      new ApiError(405, "method_not_allowed", `${c.req.path} takes ${allowed.join(", ")}, not ${c.req.method}`, {
        Allow: allowed.join(", "),
      }),
    );
  });
  app.onError((error, c) => {
    // A Hono HTTPException carries its own prepared response.
    if (error instanceof HTTPException) return error.getResponse();
    // The client closed the connection (or it timed out) before the request was read: nobody to answer, no fault here.
    const apiError = c.req.raw.signal.aborted ? CLIENT_CLOSED : toApiError(error);
    if (apiError.status >= 500 && apiError.status !== 503) {
      log(`error on ${c.req.method} ${c.req.path}: ${describeError(error)}`);
    }
    return errorResponse(c, apiError);
  });
  return app;
}

/** nginx's 499: the client closed the connection before the answer; counted in the metrics under it. */
const CLIENT_CLOSED = new ApiError(
  499 as ContentfulStatusCode,
  "client_closed",
  "the client closed the connection before its request was read",
);

/** An error for the log: its stack, else its name and message, never an empty line. */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack || `${error.name}: ${error.message || "(no message)"}`;
  return String(error) || "(an empty error)";
}

function validSessionId(id: string): string {
  if (!SESSION_ID_PATTERN.test(id))
    throw new ApiError(400, "invalid_session_id", "a session id is 8-128 characters of A-Z a-z 0-9 . _ : -");
  return id;
}

/** The session headers of a frame, validated, under the caller's principal; undefined without X-Session-Id. */
function readSessionCapture(c: Context<AccessEnv>): SessionCapture | undefined {
  const id = c.req.header("x-session-id");
  const captureTime = c.req.header("x-capture-time");
  if (id === undefined) {
    if (captureTime !== undefined)
      throw new ApiError(400, "invalid_capture_time", "X-Capture-Time needs an X-Session-Id");
    return undefined;
  }
  validSessionId(id);
  const owner = principalOf(c).id;
  const now = Date.now();
  if (captureTime === undefined) return { owner, id, capturedAt: now };
  const capturedAt = CAPTURE_TIME_PATTERN.test(captureTime) ? Math.round(Number(captureTime)) : Number.NaN;
  if (!(capturedAt >= now - CAPTURE_TIME_PAST_MS && capturedAt <= now + CAPTURE_TIME_FUTURE_MS)) {
    throw new ApiError(
      400,
      "invalid_capture_time",
      "X-Capture-Time must be the capture time in ms since the Unix epoch, within a day of the server's clock",
    );
  }
  return { owner, id, capturedAt };
}

/**
 * The geometry of a face-crop frame (X-Frame-Crop, see src/frame/crop-frame.ts), validated; undefined for a full frame.
 */
function readFrameCrop(c: Context, session: SessionCapture | undefined, config: ServerConfig): FrameCrop | undefined {
  const header = c.req.header("x-frame-crop");
  if (header === undefined) return undefined;
  // A crop is the answer to a session's request (next.crop): without a session there is no frame it belongs to.
  if (!session)
    throw new ApiError(
      400,
      "crop_needs_session",
      "a face crop (X-Frame-Crop) is sent only within a session: add X-Session-Id, or send the full frame",
    );
  const parsed = parseFrameCrop(header, { maxPixels: config.maxImagePixels, maxSide: config.maxImageSide });
  if ("error" in parsed) throw new ApiError(400, "invalid_crop", parsed.error);
  return parsed.crop;
}

/** The image bytes of an analyze request: the raw body, or the `image` field of a multipart form. */
async function readImage(c: Context): Promise<Uint8Array> {
  const contentType = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (IMAGE_TYPES.has(contentType)) return nonEmpty(new Uint8Array(await c.req.arrayBuffer()));
  if (contentType === "multipart/form-data") {
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody();
    } catch (error) {
      if (error instanceof ApiError) throw error; // the body limit, raised while reading
      throw new ApiError(400, "malformed_multipart", "the multipart body could not be parsed");
    }
    const field = form.image;
    if (!(field instanceof File))
      throw new ApiError(400, "missing_image", "the multipart body has no file field named `image`");
    if (field.type && field.type !== "application/octet-stream" && !IMAGE_TYPES.has(field.type)) {
      throw new ApiError(
        415,
        "unsupported_media_type",
        `the image field is ${field.type}; send image/jpeg, image/png or image/webp`,
      );
    }
    return nonEmpty(new Uint8Array(await field.arrayBuffer()));
  }
  throw new ApiError(
    415,
    "unsupported_media_type",
    contentType
      ? `content type ${contentType} is not accepted; send image/jpeg, image/png, image/webp or multipart/form-data ` +
          `with an image field`
      : "missing Content-Type; send image/jpeg, image/png, image/webp or multipart/form-data",
  );
}

function nonEmpty(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength === 0) throw new ApiError(400, "empty_body", "the request carries no image bytes");
  return bytes;
}
