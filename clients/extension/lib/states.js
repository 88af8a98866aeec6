/** How each session state (see the server's docs/sessions.md) is shown: badge, words, and alerts. */

export const BADGES = Object.freeze({
  focused: { text: "ok", colour: "#1a7f37", title: "Focused" },
  drowsy: { text: "zz", colour: "#bf8700", title: "Drowsy" },
  asleep: { text: "ZZZ", colour: "#d1242f", title: "Asleep" },
  away: { text: "away", colour: "#6e7781", title: "Away" },
  distracted: { text: "look", colour: "#bf8700", title: "Distracted" },
  not_alone: { text: "+1", colour: "#1f6feb", title: "Someone else is in view" },
  unknown: { text: "…", colour: "#6e7781", title: "Not sure yet" },
  error: { text: "!", colour: "#d1242f", title: "Error" },
  stopped: { text: "", colour: "#6e7781", title: "Vigil is off" },
});

/** States that deserve a notification when the user enters them; `sound` says whether the chime plays. */
export const ALERTS = Object.freeze({
  drowsy: {
    sound: true,
    title: "You look drowsy",
    message:
      "Your eyes have been closing more and more. Stand up, stretch, drink some water, or take a five-minute break.",
  },
  asleep: {
    sound: true,
    title: "Wake up!",
    message: "Your eyes have been closed for a while. Wake up: your lesson is still going.",
  },
  away: {
    sound: false,
    title: "You stepped away",
    message: "Nobody is in front of the camera. Vigil keeps watching and will know when you are back.",
  },
});

export function badgeFor(state) {
  return BADGES[state] ?? BADGES.unknown;
}

/** The alert for a change of state, or null: only on entering an alerting state, never while staying in it. */
export function alertFor(previousState, state) {
  if (state === previousState) return null;
  return ALERTS[state] ?? null;
}
