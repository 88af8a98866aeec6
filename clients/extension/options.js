/** The options page: server URL, API key, rate, alerts; and the one-time camera permission. */
import { loadSettings, saveSettings } from "./lib/settings.js";

const $ = (id) => document.getElementById(id);
const FIELDS = ["serverUrl", "apiKey", "framesPerSecond"];
const CHECKBOXES = ["notifications", "sound"];

async function fill() {
  const settings = await loadSettings();
  for (const field of FIELDS) $(field).value = settings[field];
  for (const box of CHECKBOXES) $(box).checked = settings[box];
}

$("settings").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = Object.fromEntries([
    ...FIELDS.map((f) => [f, $(f).value]),
    ...CHECKBOXES.map((b) => [b, $(b).checked]),
  ]);
  try {
    await saveSettings(input);
    $("saved").className = "muted";
    $("saved").textContent = "Saved. A running session picks this up when restarted.";
    await fill();
  } catch (error) {
    $("saved").className = "error";
    $("saved").textContent = error.message;
  }
});

// The permission prompt cannot appear in the popup or the capture page, so it is asked here, once.
$("allow-camera").addEventListener("click", async () => {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    for (const track of stream.getTracks()) track.stop();
  } catch (error) {
    $("camera-state").textContent = `Not allowed: ${error.message}`;
    return;
  }
  await showCameraState();
});

async function showCameraState() {
  const permission = await navigator.permissions.query({ name: "camera" }).catch(() => null);
  $("camera-state").textContent = permission ? `Camera: ${permission.state}` : "";
}

fill();
showCameraState();
