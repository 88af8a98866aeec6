/**
 * The demo page: the webcam at one frame a second, posted to /v1/analyze exactly as the extension does
 * (a 640x480 JPEG, a session id, the capture time; then the face crops and the pace each answer asks for),
 * with the answer drawn back over the preview and what was sent (the whole frame, or only the face).
 * Frames exist only as a canvas and a Blob in this page's memory; they are dropped after each request.
 */
import { CAPTURE_HEIGHT, CAPTURE_WIDTH, forgetSession, startFrameLoop } from "./capture.js";
import { TimePlot } from "./time-plot.js";

const PLOT_WINDOW_MS = 60_000;

const $ = (id) => document.getElementById(id);
const video = $("preview");
const overlay = $("overlay");
overlay.width = CAPTURE_WIDTH;
overlay.height = CAPTURE_HEIGHT;

const eyesPlot = new TimePlot($("eyes-plot"), {
  windowMs: PLOT_WINDOW_MS,
  min: 0,
  max: 1,
  series: { left: "#1f6feb", right: "#d1242f" },
  gridAt: [0.25, 0.5, 0.75],
});
const posePlot = new TimePlot($("pose-plot"), {
  windowMs: PLOT_WINDOW_MS,
  min: -60,
  max: 60,
  series: { yaw: "#8250df", pitch: "#1a7f37", roll: "#bf8700" },
  gridAt: [-30, 0, 30],
});

const apiKey = $("api-key");
apiKey.value = sessionStorage.getItem("vigil-demo-key") ?? "";

/** @type {{ stream: MediaStream, sessionId: string, stopLoop: () => void } | null} */
let running = null;

$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  if (running) stop();
  else start().catch((error) => say(`Camera unavailable: ${error.message}`));
});

async function start() {
  sessionStorage.setItem("vigil-demo-key", apiKey.value);
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: CAPTURE_WIDTH, height: CAPTURE_HEIGHT },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  const sessionId = crypto.randomUUID();
  const stopLoop = startFrameLoop({
    video,
    framesPerSecond: Math.min(4, Math.max(0.2, Number($("rate").value) || 1)),
    request: { serverUrl: location.origin, apiKey: apiKey.value, sessionId, landmarks: true },
    onAnswer,
    onFailure: (error) => say(`Request failed: ${error.message}`),
  });
  running = { stream, sessionId, stopLoop };
  $("toggle").textContent = "Stop";
  document.body.dataset.running = "true";
  eyesPlot.clear();
  posePlot.clear();
  say("");
}

function stop() {
  const { stream, sessionId, stopLoop } = running;
  running = null;
  stopLoop();
  for (const track of stream.getTracks()) track.stop();
  video.srcObject = null;
  overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
  $("toggle").textContent = "Start";
  document.body.dataset.running = "false";
  showState("idle", null);
  forgetSession(location.origin, apiKey.value, sessionId);
}

function onAnswer(response, body, capturedAt, sent) {
  $("sent").textContent = `${sent.kind === "crop" ? "face only" : "whole frame"}, ${(sent.bytes / 1024).toFixed(1)} KB`;
  if (!response.ok) {
    say(
      response.status === 401
        ? "This server needs an API key: enter it and start again."
        : `${response.status} ${body?.error?.code}: ${body?.error?.message}`,
    );
    if (response.status === 401) stop();
    return;
  }
  say("");
  render(body, capturedAt);
}

function render(analysis, capturedAt) {
  const face = analysis.faces[0];
  drawFaces(analysis.faces, analysis.session?.state ?? "unknown");
  $("person").textContent = analysis.person.present ? "yes" : "no";
  $("faces").textContent = String(analysis.person.count);
  $("latency").textContent = `${Math.round(analysis.timings.totalMs)} ms`;
  const measures = analysis.session?.measures;
  $("perclos").textContent = measures?.perclos == null ? "-" : `${Math.round(measures.perclos * 100)}%`;
  // At one frame a second a blink count would be chance: the page shows closures (2+ closed frames in a row).
  $("closures").textContent = measures ? String(measures.closures) : "-";
  $("longest-closure").textContent = measures ? `${(measures.longestClosureMs / 1000).toFixed(0)} s` : "-";
  $("yawns").textContent = measures ? String(measures.yawns) : "-";
  const eyes = analysis.session?.eyes;
  $("eyes").textContent = !eyes || !face ? "-" : eyes.lookingDown ? "reading" : eyes.closed ? "closed" : "open";
  $("basis").textContent = !eyes ? "-" : eyes.basis === "personal" ? "their own" : "absolute";
  showState(analysis.session?.state ?? "unknown", analysis.session?.since ?? null);
  eyesPlot.add(capturedAt, { left: face?.eyes.left.openness ?? null, right: face?.eyes.right.openness ?? null });
  posePlot.add(capturedAt, {
    yaw: face?.headPose.yaw ?? null,
    pitch: face?.headPose.pitch ?? null,
    roll: face?.headPose.roll ?? null,
  });
}

const STATE_COLOURS = {
  focused: "#1a7f37",
  drowsy: "#bf8700",
  asleep: "#d1242f",
  away: "#6e7781",
  distracted: "#bf8700",
  not_alone: "#1f6feb",
  unknown: "#6e7781",
};

/** The 478 landmarks as dots, and each face's box, in the capture's pixels (the overlay has the same size). */
function drawFaces(faces, state) {
  const ctx = overlay.getContext("2d");
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  const colour = STATE_COLOURS[state] ?? "#6e7781";
  for (const face of faces) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.strokeRect(face.box.x, face.box.y, face.box.width, face.box.height);
    ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
    for (const [x, y] of face.landmarks ?? []) ctx.fillRect(x - 1, y - 1, 2, 2);
  }
}

function showState(state, since) {
  const element = $("state");
  element.dataset.state = state;
  $("state-name").textContent = state.replace("_", " ");
  $("state-since").textContent = since ? `since ${new Date(since).toLocaleTimeString()}` : "";
}

function say(text) {
  $("message").textContent = text;
}
