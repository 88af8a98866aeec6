/**
 * The extension's service worker: starts and stops monitoring, and turns each answer into the toolbar badge
 * and, on entering drowsy, asleep or away, a notification (and a chime).
 *
 * A service worker cannot use the camera, so capture runs in an offscreen document (offscreen.js) that
 * posts the frames and sends each answer here. What the popup shows lives in chrome.storage.session:
 * gone when the browser closes, and it never holds a frame.
 */
import { loadSettings } from "./lib/settings.js";
import { alertFor, badgeFor } from "./lib/states.js";

const OFFSCREEN_URL = "offscreen.html";

chrome.runtime.onInstalled.addListener(() => showBadge("stopped"));
chrome.runtime.onStartup.addListener(() => chrome.storage.session.clear().then(() => showBadge("stopped")));

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (message?.target !== "background") return false;
  handle(message).then(sendResponse, (error) => sendResponse({ ok: false, error: String(error?.message ?? error) }));
  return true; // answered asynchronously
});

async function handle(message) {
  switch (message.type) {
    case "start":
      return start();
    case "stop":
      return stop();
    case "status":
      return { ok: true, status: await chrome.storage.session.get(null) };
    case "analysis":
      return onAnalysis(message);
    case "capture-error":
      await chrome.storage.session.set({ error: message.error, errorAt: Date.now() });
      await showBadge("error", message.error);
      return { ok: true };
    default:
      return { ok: false, error: `unknown message ${message.type}` };
  }
}

async function start() {
  const settings = await loadSettings();
  const sessionId = crypto.randomUUID();
  await chrome.storage.session.set({
    running: true,
    sessionId,
    state: "unknown",
    since: null,
    error: null,
    frames: 0,
    startedAt: Date.now(),
  });
  await ensureOffscreenDocument();
  const answer = await sendToOffscreen({ target: "offscreen", type: "start", settings, sessionId });
  if (!answer?.ok) {
    await stop();
    return { ok: false, error: answer?.error ?? "the capture page did not start" };
  }
  await showBadge("unknown");
  return { ok: true, sessionId };
}

async function stop() {
  const { sessionId } = await chrome.storage.session.get("sessionId");
  if (await chrome.offscreen.hasDocument()) {
    await chrome.runtime.sendMessage({ target: "offscreen", type: "stop" }).catch(() => {});
    // Closing the document is what turns the camera light off.
    await chrome.offscreen.closeDocument();
  }
  await chrome.storage.session.set({ running: false, state: "stopped" });
  await showBadge("stopped");
  return { ok: true, sessionId };
}

async function onAnalysis({ session, person }) {
  const previous = await chrome.storage.session.get(["state", "frames", "running"]);
  if (!previous.running) return { ok: true };
  const state = session?.state ?? (person?.present ? "focused" : "unknown");
  await chrome.storage.session.set({
    state,
    since: session?.since ?? null,
    measures: session?.measures ?? null,
    error: null,
    frames: (previous.frames ?? 0) + 1,
    lastAnswerAt: Date.now(),
  });
  await showBadge(state);
  const alert = alertFor(previous.state, state);
  if (alert) await raiseAlert(state, alert);
  return { ok: true };
}

async function raiseAlert(state, alert) {
  const settings = await loadSettings();
  if (!settings.notifications) return;
  await chrome.notifications.create(`vigil-${state}-${Date.now()}`, {
    type: "basic",
    iconUrl: chrome.runtime.getURL("icons/vigil-128.png"),
    title: alert.title,
    message: alert.message,
    priority: 2,
    requireInteraction: state === "asleep",
  });
  if (alert.sound && settings.sound)
    await chrome.runtime.sendMessage({ target: "offscreen", type: "chime" }).catch(() => {});
}

async function showBadge(state, detail) {
  const badge = badgeFor(state);
  await chrome.action.setBadgeText({ text: badge.text });
  await chrome.action.setBadgeBackgroundColor({ color: badge.colour });
  await chrome.action.setTitle({ title: detail ? `Vigil: ${badge.title} (${detail})` : `Vigil: ${badge.title}` });
}

/** The new document's script may still be loading when it is first addressed: retry for up to a second. */
async function sendToOffscreen(message) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await chrome.runtime.sendMessage(message);
    } catch (error) {
      if (attempt >= 20 || !/Receiving end does not exist/.test(String(error?.message))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function ensureOffscreenDocument() {
  if (await chrome.offscreen.hasDocument()) return;
  await chrome.offscreen.createDocument({
    url: OFFSCREEN_URL,
    reasons: [chrome.offscreen.Reason.USER_MEDIA, chrome.offscreen.Reason.AUDIO_PLAYBACK],
    justification: "Capture one webcam frame a second for Vigil, and play the wake-up chime.",
  });
}
