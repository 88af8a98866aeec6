/**
 * /openapi.json (OpenAPI 3.1, generated from the zod schemas) and /docs, a Swagger UI page whose script and
 * stylesheet are served from the `swagger-ui-dist` package bundled into the program: the page works with
 * no internet access, like everything else in Vigil.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import { z } from "@hono/zod-openapi";
import swaggerCssPath from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import swaggerJsPath from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import { readAsset } from "../../wasm/read-asset";
import { Analysis, AnalyzeQuery, ErrorBody, Health, Readiness, SessionHeaders, SessionState } from "./schemas";

const binaryImage = z.string().openapi({ format: "binary" });

function errorResponses(...codes: Array<[number, string]>) {
  return Object.fromEntries(
    codes.map(([status, description]) => [
      status,
      { description, content: { "application/json": { schema: ErrorBody } } },
    ]),
  );
}

/**
 * How this server authenticates /v1 requests (VIGIL_AUTH), as an OpenAPI security scheme: the document
 * describes the server that serves it.
 */
const SECURITY_SCHEMES = {
  keys: {
    name: "apiKey",
    scheme: {
      type: "http",
      scheme: "bearer",
      description:
        "An API key issued by the operator (vigil new-key), sent as `Authorization: Bearer <key>`. Sessions belong " +
        "to the key that made them.",
    },
  },
  jwt: {
    name: "jwt",
    scheme: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description:
        "A JWT from the operator's identity provider, sent as `Authorization: Bearer <token>`: HS256 or RS256/ES256 " +
        "as configured, with the configured `aud` and `iss`, an `exp`, and a `sub` naming the user. Sessions " +
        "belong to the token's `sub` (under its `iss`). A refused token gets 401 `unauthorized` saying why " +
        "(expired, wrong audience, wrong issuer, bad signature, ...).",
    },
  },
} as const;

export function registerDocs<E extends Env>(app: OpenAPIHono<E>, auth: "keys" | "jwt" | "none"): void {
  const registry = app.openAPIRegistry;
  const security = auth === "none" ? undefined : [{ [SECURITY_SCHEMES[auth].name]: [] }];
  if (auth !== "none")
    registry.registerComponent("securitySchemes", SECURITY_SCHEMES[auth].name, SECURITY_SCHEMES[auth].scheme);
  const accessErrors: Array<[number, string]> =
    auth === "none"
      ? []
      : [
          [
            401,
            "No credentials, a malformed Authorization header, or credentials refused (`unauthorized`); " +
              "with WWW-Authenticate.",
          ],
        ];
  registry.registerPath({
    method: "post",
    path: "/v1/analyze",
    summary: "Analyse one webcam frame",
    security,
    description:
      "The body is the image itself (JPEG, PNG or WebP) or a multipart form with an `image` file field. Answers " +
      "whether a person is present and, per face, eye openness, head pose, gaze, yawn and image quality. With " +
      "X-Session-Id the frame joins that session of the caller: the same id sent by another caller (another API " +
      "key or JWT subject) names a different session.",
    request: {
      query: AnalyzeQuery,
      headers: SessionHeaders,
      body: {
        required: true,
        content: {
          "image/jpeg": { schema: binaryImage },
          "image/png": { schema: binaryImage },
          "image/webp": { schema: binaryImage },
          "multipart/form-data": { schema: z.object({ image: binaryImage }) },
        },
      },
    },
    responses: {
      200: { description: "The analysis.", content: { "application/json": { schema: Analysis } } },
      ...errorResponses(
        [
          400,
          "Empty body, malformed multipart, no image field, a bad query; a face crop with bad geometry or not square " +
            "(invalid_crop), or without X-Session-Id (crop_needs_session).",
        ],
        [413, "Body larger than the limit, or declared image dimensions over the limits (checked before decoding)."],
        [415, "Content type other than JPEG, PNG, WebP or multipart."],
        [422, "Truncated or corrupt image."],
        ...accessErrors,
        [
          429,
          "More frames a second, or more requests in flight, than allowed for the session or for the caller (all its " +
            "sessions together), or more of its uploads in progress from one address. Has Retry-After.",
        ],
        [
          503,
          "Overloaded (the frame would wait too long for a worker, or the queue is full), frame past its deadline, " +
            "worker failure, not ready, or shutting down. Has Retry-After: wait it out (plus a random part of it), " +
            "and keep the last answer's `next`. In overload it is as long as calm sessions are slowed (up to 8 s), " +
            "while a session whose eyes are closing goes ahead of the queue; a new session's first frame is told to " +
            "come back when the server has room for it.",
        ],
      ),
    },
  });
  const sessionId = z.object({
    id: z.string().openapi({ param: { name: "id", in: "path" }, example: "3f2b6c1e-session" }),
  });
  registry.registerPath({
    method: "get",
    path: "/v1/sessions/{id}",
    summary: "A session's current state",
    description: "Only the caller that made a session sees it: for anyone else it does not exist (404).",
    security,
    request: { params: sessionId },
    responses: {
      200: {
        description: "The session's state and measures.",
        content: { "application/json": { schema: SessionState } },
      },
      ...errorResponses(
        [400, "Malformed session id."],
        ...accessErrors,
        [404, "Unknown to this caller: never seen, expired, forgotten, or another caller's."],
        [429, "Over the session's or the caller's rate: a read counts as a frame. Has Retry-After."],
        [503, "The session store (Redis) cannot be reached."],
      ),
    },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/sessions/{id}",
    summary: "Forget a session",
    description: "Only the caller that made a session can forget it.",
    security,
    request: { params: sessionId },
    responses: {
      204: { description: "Forgotten." },
      ...errorResponses(
        [400, "Malformed session id."],
        ...accessErrors,
        [404, "Unknown to this caller."],
        [
          503,
          "The session store (Redis) did not answer in time: the session may still be forgotten once it does; " +
            "retry (204 or 404 both mean it is gone).",
        ],
      ),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/healthz",
    summary: "Liveness",
    responses: { 200: { description: "The process is alive.", content: { "application/json": { schema: Health } } } },
  });
  registry.registerPath({
    method: "get",
    path: "/readyz",
    summary: "Readiness: every worker has loaded its models (the session store's state is reported, not required)",
    responses: {
      200: { description: "Ready.", content: { "application/json": { schema: Readiness } } },
      503: {
        description: "Still loading (or a worker is being replaced).",
        content: { "application/json": { schema: Readiness } },
      },
    },
  });
  registry.registerPath({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics",
    responses: { 200: { description: "Prometheus text format.", content: { "text/plain": { schema: z.string() } } } },
  });

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Vigil",
      version: "0.1.0",
      description: "Attention analysis of webcam frames with MediaPipe, served by Bun + Hono.",
    },
  });

  const assets = Promise.all([readAsset(swaggerJsPath), readAsset(swaggerCssPath)]);
  app.get("/docs/swagger-ui-bundle.js", async (c) => {
    c.header("Content-Type", "text/javascript; charset=utf-8");
    c.header("Cache-Control", "public, max-age=86400");
    return c.body((await assets)[0]);
  });
  app.get("/docs/swagger-ui.css", async (c) => {
    c.header("Content-Type", "text/css; charset=utf-8");
    c.header("Cache-Control", "public, max-age=86400");
    return c.body((await assets)[1]);
  });
  app.get("/docs", (c) => c.html(DOCS_PAGE));
}

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Vigil API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: "/openapi.json", dom_id: "#docs" });</script>
</body>
</html>`;
