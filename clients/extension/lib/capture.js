/**
 * Webcam frames to Vigil, as every client should send them: scaled to fit 640x480 (letterboxed when the
 * camera is not 4:3), JPEG, with the session id and the capture time, at most one request in flight, and
 * nothing sent while the server's Retry-After runs. Shared by the extension's capture page and the server's
 * demo page (served from this file), so the demo shows exactly what the extension sends.
 *
 * It follows the answer's `next` (servers that send none get full frames at the configured rate):
 *   - `next.nextFrameAfterMs`: the next frame is captured that long after this one was;
 *   - `next.frame === "crop"`: only the face is sent, `next.crop` cut out of the 640x480 frame (square, rotated,
 *     scaled to outputSize, 192 px), as a small JPEG with its geometry in X-Frame-Crop. When the server asks, or
 *     after an error, a full frame again. So while the face is tracked only the face leaves the browser.
 * A "not now" answer (429, 503) leaves the last `next` standing: the frame was not analysed, so the session's
 * plan has not changed, and a full frame (six times the bytes, twice the server's work) is the last thing an
 * overloaded server needs. Its Retry-After is waited out with up to half as much again at random, so that
 * clients turned away in the same second do not all come back in the same second. For the same reason the
 * first frame is captured a random part of one frame interval after the start: a class that starts together
 * does not send its first frames (the costliest: the server looks for faces in the whole frame) in one instant.
 */
export const CAPTURE_WIDTH = 640;
export const CAPTURE_HEIGHT = 480;
const JPEG_QUALITY = 0.8;
/** Bounds on the server's pacing, so that a wrong answer can neither flood the server nor stop the loop. */
const MIN_INTERVAL_MS = 250;
const MAX_INTERVAL_MS = 10_000;

/**
 * Sends the video's frames until the returned function is called. Each answer (any status) goes to
 * `onAnswer(response, body, capturedAt, sent)`, with `body` the parsed JSON or null and `sent` what left the
 * browser (`{ kind: "full" | "crop", bytes }`); a request that could not be
 * made, or an onAnswer that throws, goes to `onFailure(error)`. Nothing is sent while the previous frame is
 * in flight or while a 429/503 Retry-After runs.
 * @param {{ video: HTMLVideoElement, framesPerSecond: number,
 *   request: { serverUrl: string, apiKey: string, sessionId: string, landmarks?: boolean },
 *   onAnswer: (response: Response, body: any, capturedAt: number, sent: { kind: "full" | "crop", bytes: number }) => unknown, onFailure: (error: unknown) => unknown }} loop
 * @returns {() => void} stops the loop; answers still in flight are then dropped
 */
export function startFrameLoop({ video, framesPerSecond, request, onAnswer, onFailure }) {
  const canvas = new OffscreenCanvas(CAPTURE_WIDTH, CAPTURE_HEIGHT);
  const fixedIntervalMs = 1000 / framesPerSecond;
  let stopped = false;
  let timer = 0;
  /** What the last answer asked for (null: a full frame at the fixed rate). */
  let next = null;
  let pausedUntil = 0;
  const schedule = (delayMs) => {
    if (!stopped) timer = setTimeout(tick, Math.max(0, delayMs));
  };
  const tick = async () => {
    if (stopped) return;
    if (video.readyState < 2) return schedule(fixedIntervalMs);
    if (Date.now() < pausedUntil) return schedule(pausedUntil - Date.now());
    const capturedAt = Date.now();
    let interval = fixedIntervalMs;
    try {
      const crop = next?.frame === "crop" ? validCrop(next.crop) : null;
      const frame = crop ? await encodeCrop(video, crop) : await encodeFrame(video, canvas);
      const response = await postFrame({ ...request, capturedAt, crop }, frame);
      const body = await response.json().catch(() => null);
      if (stopped) return;
      const retryAfter = Number(response.headers.get("retry-after"));
      if (!response.ok && retryAfter > 0) pausedUntil = Date.now() + retryAfter * 1000 * (1 + Math.random() / 2);
      const notNow = response.status === 429 || response.status === 503;
      if (!notNow) next = response.ok && body?.next ? body.next : null;
      if (Number.isFinite(next?.nextFrameAfterMs))
        interval = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, next.nextFrameAfterMs));
      await onAnswer(response, body, capturedAt, { kind: crop ? "crop" : "full", bytes: frame.size });
    } catch (error) {
      next = null;
      if (!stopped) await onFailure(error);
    }
    // The next capture is due `interval` after this one; if the answer came later than that, at once.
    schedule(capturedAt + interval - Date.now());
  };
  schedule(Math.random() * fixedIntervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The server's crop request if it is one this client can honour, else null (a full frame is sent). */
function validCrop(crop) {
  const numbers = crop && [crop.centerX, crop.centerY, crop.size, crop.rotation, crop.outputSize];
  if (!numbers || !numbers.every(Number.isFinite)) return null;
  if (crop.size <= 0 || crop.outputSize < 16 || crop.outputSize > 1024) return null;
  return crop;
}

/** Where the video lands in the 640x480 frame (scaled to fit, centred). */
function placement(video) {
  const scale = Math.min(CAPTURE_WIDTH / video.videoWidth, CAPTURE_HEIGHT / video.videoHeight);
  const width = video.videoWidth * scale;
  const height = video.videoHeight * scale;
  return { x: (CAPTURE_WIDTH - width) / 2, y: (CAPTURE_HEIGHT - height) / 2, width, height };
}

/**
 * The video's current frame as a JPEG Blob. The canvas is reused between frames; the Blob lives until the
 * request that carries it is done.
 * @param {HTMLVideoElement} video
 * @param {OffscreenCanvas} canvas 640x480
 */
function encodeFrame(video, canvas) {
  const ctx = canvas.getContext("2d");
  const at = placement(video);
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, CAPTURE_WIDTH, CAPTURE_HEIGHT);
  ctx.drawImage(video, at.x, at.y, at.width, at.height);
  return canvas.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY });
}

/**
 * Only the face: the square `crop` of the 640x480 frame (frame pixels, rotated by `crop.rotation` radians
 * clockwise), drawn straight from the video into an outputSize x outputSize canvas in one transformed draw,
 * so crop pixel (u, v) shows the frame point centre + R(rotation)((u - S/2) size/S, (v - S/2) size/S), the
 * geometry the server maps the landmarks back with. Outside the frame stays black, as the server's own crop.
 */
function encodeCrop(video, crop) {
  const side = crop.outputSize;
  const canvas = new OffscreenCanvas(side, side);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, side, side);
  ctx.translate(side / 2, side / 2);
  ctx.scale(side / crop.size, side / crop.size);
  ctx.rotate(-crop.rotation);
  ctx.translate(-crop.centerX, -crop.centerY);
  const at = placement(video);
  ctx.drawImage(video, at.x, at.y, at.width, at.height);
  return canvas.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY });
}

/** X-Frame-Crop: centerX,centerY,size,rotation,frameWidth,frameHeight (plain decimals, as the server requires). */
function cropHeader(crop) {
  return [
    crop.centerX.toFixed(2),
    crop.centerY.toFixed(2),
    crop.size.toFixed(2),
    crop.rotation.toFixed(6),
    CAPTURE_WIDTH,
    CAPTURE_HEIGHT,
  ].join(",");
}

/**
 * POSTs a frame (or a face crop, with its geometry) to /v1/analyze.
 * @param {{ serverUrl: string, apiKey: string, sessionId: string, capturedAt: number, landmarks?: boolean, crop?: object | null }} request
 * @param {Blob} frame
 */
function postFrame(request, frame) {
  return fetch(`${request.serverUrl}/v1/analyze${request.landmarks ? "?landmarks=1" : ""}`, {
    method: "POST",
    body: frame,
    headers: {
      "content-type": "image/jpeg",
      "x-session-id": request.sessionId,
      "x-capture-time": String(request.capturedAt),
      ...(request.crop ? { "x-frame-crop": cropHeader(request.crop) } : {}),
      ...authorization(request.apiKey),
    },
  });
}

/** Asks the server to forget a session now rather than when it expires; waits at most 3 s, never throws. */
export async function forgetSession(serverUrl, apiKey, sessionId) {
  await fetch(`${serverUrl}/v1/sessions/${encodeURIComponent(sessionId)}`, {
    method: "DELETE",
    headers: authorization(apiKey),
    signal: AbortSignal.timeout(3000),
  }).catch(() => {});
}

function authorization(apiKey) {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
