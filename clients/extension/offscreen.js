/**
 * The capture page (an offscreen document: service workers have no camera). Once a second (or as the
 * server paces it) it scales the current webcam frame to 640x480, encodes it as JPEG (or, while the server
 * tracks the face, only the face crop it asks for) and posts it to Vigil with the session id and the
 * capture time, then hands the answer to the service worker. The frame exists only as a canvas and a Blob
 * in memory for the time of that request: it is never stored, logged or sent anywhere else.
 */
import { CAPTURE_HEIGHT, CAPTURE_WIDTH, forgetSession, startFrameLoop } from "./lib/capture.js";

const video = document.getElementById("camera");
/** The running capture: its settings, session, camera stream and the loop's stop function. */
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
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: CAPTURE_WIDTH, height: CAPTURE_HEIGHT },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  const stopLoop = startFrameLoop({
    video,
    framesPerSecond: settings.framesPerSecond,
    request: { serverUrl: settings.serverUrl, apiKey: settings.apiKey, sessionId },
    onAnswer: (response, body) => {
      if (response.ok)
        return chrome.runtime.sendMessage({
          target: "background",
          type: "analysis",
          session: body.session ?? null,
          person: body.person,
        });
      const error =
        response.status === 401 ? "the API key was refused" : `${response.status} ${body?.error?.code ?? "error"}`;
      return chrome.runtime.sendMessage({ target: "background", type: "capture-error", error });
    },
    onFailure: () =>
      chrome.runtime
        .sendMessage({ target: "background", type: "capture-error", error: `cannot reach ${settings.serverUrl}` })
        .catch(() => {}),
  });
  run = { settings, sessionId, stream, stopLoop };
}

async function stop() {
  if (!run) return;
  const { settings, sessionId, stream, stopLoop } = run;
  run = null;
  stopLoop();
  for (const track of stream.getTracks()) track.stop();
  video.srcObject = null;
  await forgetSession(settings.serverUrl, settings.apiKey, sessionId);
}

function cameraErrorText(error) {
  if (error?.name === "NotAllowedError")
    return "camera permission is needed: open the options page and allow the camera";
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
