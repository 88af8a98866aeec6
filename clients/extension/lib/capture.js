/**
 * Webcam frames to Vigil, as every client should send them: scaled to fit 640x480 (letterboxed when the
 * camera is not 4:3), JPEG, with the session id and the capture time, at most one request in flight, and
 * nothing sent while the server's Retry-After runs. Shared by the extension's capture page and the server's
 * demo page (served from this file), so the demo shows exactly what the extension sends.
 */
export const CAPTURE_WIDTH = 640;
export const CAPTURE_HEIGHT = 480;
const JPEG_QUALITY = 0.8;

/**
 * Sends the video's frames until the returned function is called. Each answer (any status) goes to
 * `onAnswer(response, body, capturedAt)`, with `body` the parsed JSON or null; a request that could not be
 * made, or an onAnswer that throws, goes to `onFailure(error)`. A frame is skipped while the previous one
 * is in flight or while a 429/503 Retry-After runs.
 * @param {{ video: HTMLVideoElement, framesPerSecond: number,
 *   request: { serverUrl: string, apiKey: string, sessionId: string, landmarks?: boolean },
 *   onAnswer: (response: Response, body: any, capturedAt: number) => unknown, onFailure: (error: unknown) => unknown }} loop
 * @returns {() => void} stops the loop; answers still in flight are then dropped
 */
export function startFrameLoop({ video, framesPerSecond, request, onAnswer, onFailure }) {
  const canvas = new OffscreenCanvas(CAPTURE_WIDTH, CAPTURE_HEIGHT);
  let stopped = false;
  let inFlight = false;
  let pausedUntil = 0;
  const tick = async () => {
    if (stopped || inFlight || Date.now() < pausedUntil || video.readyState < 2) return;
    inFlight = true;
    try {
      const capturedAt = Date.now();
      const response = await postFrame({ ...request, capturedAt }, await encodeFrame(video, canvas));
      const body = await response.json().catch(() => null);
      if (stopped) return;
      const retryAfter = Number(response.headers.get("retry-after"));
      if (!response.ok && retryAfter > 0) pausedUntil = Date.now() + retryAfter * 1000;
      await onAnswer(response, body, capturedAt);
    } catch (error) {
      if (!stopped) await onFailure(error);
    } finally {
      inFlight = false;
    }
  };
  const timer = setInterval(tick, 1000 / framesPerSecond);
  tick();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * The video's current frame as a JPEG Blob. The canvas is reused between frames; the Blob lives until the
 * request that carries it is done.
 * @param {HTMLVideoElement} video
 * @param {OffscreenCanvas} canvas 640x480
 */
function encodeFrame(video, canvas) {
  const ctx = canvas.getContext("2d");
  const scale = Math.min(CAPTURE_WIDTH / video.videoWidth, CAPTURE_HEIGHT / video.videoHeight);
  const w = video.videoWidth * scale;
  const h = video.videoHeight * scale;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, CAPTURE_WIDTH, CAPTURE_HEIGHT);
  ctx.drawImage(video, (CAPTURE_WIDTH - w) / 2, (CAPTURE_HEIGHT - h) / 2, w, h);
  return canvas.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY });
}

/**
 * POSTs a frame to /v1/analyze.
 * @param {{ serverUrl: string, apiKey: string, sessionId: string, capturedAt: number, landmarks?: boolean }} request
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
      ...authorization(request.apiKey),
    },
  });
}

/** Asks the server to forget a session now rather than when it expires; waits at most 3 s, never throws. */
export async function forgetSession(serverUrl, apiKey, sessionId) {
  await fetch(`${serverUrl}/v1/sessions/${encodeURIComponent(sessionId)}`, { method: "DELETE", headers: authorization(apiKey), signal: AbortSignal.timeout(3000) }).catch(() => {});
}

function authorization(apiKey) {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
