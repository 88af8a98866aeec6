import { expect, test } from "bun:test";
import { DEFAULT_SESSION_RULES } from "../../src/session/session-config";
import { SessionStore } from "../../src/session/session-store";

test("sessions expire after inactivity and the oldest is evicted at the cap", () => {
  let now = 0;
  const store = new SessionStore({ maxSessions: 2, idleTtlMs: 1000, rules: DEFAULT_SESSION_RULES, clock: () => now });
  expect(store.touch("a").created).toBe(true);
  expect(store.touch("a").created).toBe(false);
  store.touch("b");
  now = 500;
  store.touch("a"); // a is now the most recently used
  store.touch("c"); // evicts b, the least recently used
  expect(store.get("b")).toBeUndefined();
  expect(store.get("a")).toBeDefined();
  expect(store.evicted).toBe(1);
  now = 1600; // a idle 1100 ms, c idle 1100 ms
  expect(store.get("a")).toBeUndefined();
  store.sweep();
  expect(store.size).toBe(0);
  expect(store.touch("a").created).toBe(true);
  expect(store.delete("a")).toBe(true);
  expect(store.delete("a")).toBe(false);
});
