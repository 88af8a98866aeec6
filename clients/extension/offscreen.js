/**
 * The capture page (an offscreen document: service workers have no camera). Once a second it scales the
 * current webcam frame to 640x480, encodes it as JPEG and posts it to Vigil with the session id and the
 * capture time, then hands the answer to the service worker. The frame exists only as a canvas and a Blob
 * in memory for the time of that request: it is never stored, logged or sent anywhere else.
 */
import { CAPTURE_HEIGHT, CAPTURE_WIDTH, encodeFrame, forgetSession, postFrame } from "./lib/capture.js";

const video = document.getElementById("camera");
const canvas = new OffscreenCanvas(CAPTURE_WIDTH, CAPTURE_HEIGHT);
let run = null;

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (message?.target !== "offscreen") return false;
  if (message.type === "start") {
    start(message.settings, message.sessionId).then(
      () => sendResponse({ ok: true }),
      (error) => sendResponse({ ok: false, error: cameraErrorText(error) }),
    );
    return true;
  }
  if (message.type === "stop") {
    // Answered once the server was asked to forget the session: the document is closed right after.
    stop().then(() => sendResponse({ ok: true }));
    return true;
  }
  if (message.type === "chime") {
    chime();
    sendResponse({ ok: true });
  }
  return false;
});

async function start(settings, sessionId) {
  await stop();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: CAPTURE_WIDTH, height: CAPTURE_HEIGHT }, audio: false });
  video.srcObject = stream;
  await video.play();
  run = { settings, sessionId, stream, inFlight: false, pausedUntil: 0, timer: 0 };
  run.timer = setInterval(() => tick(run), 1000 / settings.framesPerSecond);
  tick(run);
}

async function stop() {
  if (!run) return;
  clearInterval(run.timer);
  for (const track of run.stream.getTracks()) track.stop();
  const { settings, sessionId } = run;
  run = null;
  video.srcObject = null;
  await forgetSession(settings.serverUrl, settings.apiKey, sessionId);
}

async function tick(current) {
  if (run !== current || current.inFlight || Date.now() < current.pausedUntil || video.readyState < 2) return;
  current.inFlight = true;
  try {
    const capturedAt = Date.now();
    const frame = await encodeFrame(video, canvas);
    const { serverUrl, apiKey } = current.settings;
    const response = await postFrame({ serverUrl, apiKey, sessionId: current.sessionId, capturedAt }, frame);
    const body = await response.json().catch(() => null);
    if (run !== current) return;
    if (!response.ok) {
      // 429 and 503 say when to come back; until then frames are not sent at all.
      const retryAfter = Number(response.headers.get("retry-after"));
      if (retryAfter > 0) current.pausedUntil = Date.now() + retryAfter * 1000;
      const error = response.status === 401 ? "the API key was refused" : `${response.status} ${body?.error?.code ?? "error"}`;
      await chrome.runtime.sendMessage({ target: "background", type: "capture-error", error });
      return;
    }
    await chrome.runtime.sendMessage({ target: "background", type: "analysis", session: body.session ?? null, person: body.person });
  } catch (error) {
    if (run === current) await chrome.runtime.sendMessage({ target: "background", type: "capture-error", error: `cannot reach ${current.settings.serverUrl}` }).catch(() => {});
  } finally {
    current.inFlight = false;
  }
}

function cameraErrorText(error) {
  if (error?.name === "NotAllowedError") return "camera permission is needed: open the options page and allow the camera";
  if (error?.name === "NotFoundError") return "no camera found";
  return String(error?.message ?? error);
}

/** A short rising chime (three notes), synthesised: no sound file to ship. */
function chime() {
  const audio = new AudioContext();
  const start = audio.currentTime;
  [660, 880, 1320].forEach((frequency, i) => {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + i * 0.18);
    gain.gain.exponentialRampToValueAtTime(0.4, start + i * 0.18 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.18 + 0.35);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + i * 0.18);
    tone.stop(start + i * 0.18 + 0.4);
  });
  setTimeout(() => audio.close(), 1500);
}
