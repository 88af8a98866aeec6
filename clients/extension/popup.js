/** The toolbar popup: the current state, and Start / Stop. The camera permission is asked on the options page. */
import { badgeFor } from "./lib/states.js";

const $ = (id) => document.getElementById(id);
const send = (type) => chrome.runtime.sendMessage({ target: "background", type });

$("options").addEventListener("click", () => chrome.runtime.openOptionsPage());
$("toggle").addEventListener("click", async () => {
  $("error").textContent = "";
  const { status } = await send("status");
  if (status.running) {
    await send("stop");
  } else {
    const camera = await navigator.permissions.query({ name: "camera" }).catch(() => null);
    if (camera && camera.state !== "granted") {
      // A popup closes when a permission prompt opens, so the question is asked on the options page.
      await chrome.tabs.create({ url: chrome.runtime.getURL("options.html#camera") });
      return;
    }
    const answer = await send("start");
    if (!answer?.ok) $("error").textContent = answer?.error ?? "could not start";
  }
  await render();
});

async function render() {
  const { status } = await send("status");
  const state = status.running ? (status.error ? "error" : (status.state ?? "unknown")) : "stopped";
  $("state").dataset.state = state;
  $("state-name").textContent = status.running ? badgeFor(state).title : "off";
  $("detail").textContent = status.running ? (status.error ?? `${status.frames ?? 0} frames analysed`) : "";
  $("toggle").textContent = status.running ? "Stop" : "Start";
}

chrome.storage.session.onChanged.addListener(render);
render();
