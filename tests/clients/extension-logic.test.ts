/** The extension's pure logic: settings validation, and which state changes alert (tested without a browser). */
import { describe, expect, test } from "bun:test";
import { DEFAULT_SETTINGS, validateSettings } from "../../clients/extension/lib/settings.js";
import { ALERTS, alertFor, badgeFor, BADGES } from "../../clients/extension/lib/states.js";

describe("validateSettings", () => {
  const valid = { ...DEFAULT_SETTINGS, serverUrl: "https://vigil.example.org/", apiKey: "  key  " };

  test("normalises the URL (no trailing slash) and trims the key", () => {
    expect(validateSettings(valid)).toEqual({
      ...DEFAULT_SETTINGS,
      serverUrl: "https://vigil.example.org",
      apiKey: "key",
    });
    expect(validateSettings({ ...valid, serverUrl: "http://127.0.0.1:8080/vigil//" }).serverUrl).toBe(
      "http://127.0.0.1:8080/vigil",
    );
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

describe("startFrameLoop (capture.js)", () => {
  test("the first frame is due a random part of one frame interval after the start, not at once", async () => {
    const { startFrameLoop } = await import("../../clients/extension/lib/capture.js");
    const realTimeout = globalThis.setTimeout;
    const realRandom = Math.random;
    const realCanvas = (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas;
    const delays: number[] = [];
    try {
      (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas = class {};
      globalThis.setTimeout = ((_: () => void, ms: number) => {
        delays.push(ms);
        return 0;
      }) as unknown as typeof setTimeout;
      for (const draw of [0, 0.25, 0.999]) {
        Math.random = () => draw;
        const stop = startFrameLoop({
          video: { readyState: 0 },
          framesPerSecond: 2,
          request: {},
          onAnswer() {},
          onFailure() {},
        } as never);
        stop();
      }
    } finally {
      globalThis.setTimeout = realTimeout;
      Math.random = realRandom;
      (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas = realCanvas;
    }
    // 2 frames a second: spread over the first 500 ms.
    expect(delays).toEqual([0, 125, 499.5]);
  });
});
