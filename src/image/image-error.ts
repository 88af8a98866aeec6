/** Why an image was refused; the code maps to the HTTP status in server/api-error.ts. */
export type ImageErrorCode =
  | "unsupported_media_type" // not JPEG, PNG or WebP (415)
  | "image_too_large" // declared dimensions over the limits, refused before decoding (413)
  | "corrupt_image" // truncated or garbage (422)
  | "empty_image"; // no bytes at all (400)

export class ImageError extends Error {
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ImageError";
  }
}
