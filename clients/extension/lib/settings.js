/** The user's settings (options page), kept in chrome.storage.local. Frames are never stored anywhere. */
export const DEFAULT_SETTINGS = Object.freeze({
  /** The Vigil server, without a trailing slash. */
  serverUrl: "http://127.0.0.1:8080",
  /** Sent as Authorization: Bearer; empty for a server in key-less (local) mode. */
  apiKey: "",
  /** Frames a second. The service is built for one; the server's default limit is four. */
  framesPerSecond: 1,
  /** Play a chime with the drowsy and asleep notifications. */
  sound: true,
  /** Show a notification when the state becomes drowsy, asleep or away. */
  notifications: true,
});

export const RATE_LIMITS = Object.freeze({ min: 0.2, max: 4 });

export async function loadSettings() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULT_SETTINGS));
  return { ...DEFAULT_SETTINGS, ...stored };
}

/** Checks and normalises what the options page submits; throws an Error with a message for the user. */
export function validateSettings(input) {
  let url;
  try {
    url = new URL(String(input.serverUrl).trim());
  } catch {
    throw new Error("The server URL is not a URL (example: https://vigil.example.org).");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error("The server URL must start with https:// (or http:// on this computer).");
  const framesPerSecond = Number(input.framesPerSecond);
  if (!(framesPerSecond >= RATE_LIMITS.min && framesPerSecond <= RATE_LIMITS.max)) {
    throw new Error(`Frames a second must be between ${RATE_LIMITS.min} and ${RATE_LIMITS.max}.`);
  }
  return {
    serverUrl: url.origin + url.pathname.replace(/\/+$/, ""),
    apiKey: String(input.apiKey ?? "").trim(),
    framesPerSecond,
    sound: Boolean(input.sound),
    notifications: Boolean(input.notifications),
  };
}

export async function saveSettings(settings) {
  await chrome.storage.local.set(validateSettings(settings));
}
