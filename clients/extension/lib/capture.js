/**
 * One webcam frame to Vigil, as every client should send it: scaled to fit 640x480 (letterboxed when the
 * camera is not 4:3), JPEG, with the session id and the capture time. Shared by the extension's capture page
 * and the server's demo page (served from this file), so the demo shows exactly what the extension sends.
 */
export const CAPTURE_WIDTH = 640;
export const CAPTURE_HEIGHT = 480;
const JPEG_QUALITY = 0.8;

/**
 * The video's current frame as a JPEG Blob. The canvas is reused between frames; the Blob lives until the
 * request that carries it is done.
 * @param {HTMLVideoElement} video
 * @param {OffscreenCanvas} canvas 640x480
 */
export function encodeFrame(video, canvas) {
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
 * POSTs a frame to /v1/analyze. Returns the fetch Response; the caller reads the answer or the error.
 * @param {{ serverUrl: string, apiKey: string, sessionId: string, capturedAt: number, landmarks?: boolean }} request
 * @param {Blob} frame
 */
export function postFrame(request, frame) {
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
