/** The extension's pure logic: settings validation, and which state changes alert (tested without a browser). */
import { describe, expect, test } from "bun:test";
import { DEFAULT_SETTINGS, validateSettings } from "../../clients/extension/lib/settings.js";
import { ALERTS, alertFor, badgeFor, BADGES } from "../../clients/extension/lib/states.js";

describe("validateSettings", () => {
  const valid = { ...DEFAULT_SETTINGS, serverUrl: "https://vigil.example.org/", apiKey: "  key  " };

  test("normalises the URL (no trailing slash) and trims the key", () => {
    expect(validateSettings(valid)).toEqual({ ...DEFAULT_SETTINGS, serverUrl: "https://vigil.example.org", apiKey: "key" });
    expect(validateSettings({ ...valid, serverUrl: "http://127.0.0.1:8080/vigil//" }).serverUrl).toBe("http://127.0.0.1:8080/vigil");
  });

  test("refuses what would not work, with a message for the user", () => {
    expect(() => validateSettings({ ...valid, serverUrl: "not a url" })).toThrow(/not a URL/);
    expect(() => validateSettings({ ...valid, serverUrl: "ftp://example.org" })).toThrow(/https:\/\//);
    expect(() => validateSettings({ ...valid, framesPerSecond: "0" })).toThrow(/between 0.2 and 4/);
    expect(() => validateSettings({ ...valid, framesPerSecond: "5" })).toThrow(/between 0.2 and 4/);
    expect(() => validateSettings({ ...valid, framesPerSecond: "abc" })).toThrow(/between 0.2 and 4/);
  });
});

describe("states", () => {
  test("every session state the server names has a badge of at most four characters", () => {
    for (const state of ["focused", "drowsy", "asleep", "away", "distracted", "not_alone", "unknown"]) {
      expect(BADGES).toHaveProperty(state);
      expect(badgeFor(state).text.length).toBeLessThanOrEqual(4);
    }
    expect(badgeFor("something new")).toBe(BADGES.unknown);
  });

  test("alerts fire on entering drowsy, asleep or away, never while staying there, never for the others", () => {
    expect(alertFor("focused", "drowsy")).toBe(ALERTS.drowsy);
    expect(alertFor("drowsy", "asleep")).toBe(ALERTS.asleep);
    expect(alertFor("unknown", "away")).toBe(ALERTS.away);
    expect(alertFor("asleep", "asleep")).toBeNull();
    expect(alertFor("away", "focused")).toBeNull();
    expect(alertFor("focused", "distracted")).toBeNull();
    expect(ALERTS.asleep.title).toBe("Wake up!");
    expect(ALERTS.asleep.sound).toBe(true);
    expect(ALERTS.away.sound).toBe(false);
  });
});
