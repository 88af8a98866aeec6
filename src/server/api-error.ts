/**
 * The one error shape of the API: `{ "error": { "code": "...", "message": "..." } }` with the right status.
 * Everything that can go wrong with a request is mapped here, so no handler invents its own.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { PoolError } from "../pool/pool-errors";
import { WorkerJobError } from "../pool/worker-pool";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Status of each error code the image decoder (in the worker) can report. */
const IMAGE_ERROR_STATUS: Record<string, ContentfulStatusCode> = {
  unsupported_media_type: 415,
  image_too_large: 413,
  corrupt_image: 422,
  empty_image: 400,
  invalid_crop: 400, // a face-crop frame whose image is not what X-Frame-Crop describes (crop-frame.ts)
};

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof PoolError) {
    return new ApiError(503, error.code, error.message, { "Retry-After": String(error.retryAfterSeconds) });
  }
  if (error instanceof WorkerJobError) {
    const status = IMAGE_ERROR_STATUS[error.code];
    if (status) return new ApiError(status, error.code, error.message);
    return new ApiError(500, "analysis_failed", "the frame could not be analysed");
  }
  return new ApiError(500, "internal_error", "unexpected server error");
}

export function errorResponse(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json({ error: { code: error.code, message: error.message } }, error.status);
}
