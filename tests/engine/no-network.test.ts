/**
 * MediaPipe's bundle carries a usage logger that POSTs to Google; Vigil must send nothing. This test watches
 * every way out (fetch, sockets, DNS) while the models load, frames are analysed and the engine is closed
 * (closing makes the logger flush, as its 60 s timer would).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import dns from "node:dns";
import net from "node:net";
import tls from "node:tls";
import { FaceEngine } from "../../src/engine/face-engine";
import { refusedOutboundAttempts } from "../../src/engine/offline";
import { fixtureFrame } from "../support/images";

const attempts: string[] = [];
const restore: Array<() => void> = [];

function watch<T extends object>(owner: T, name: keyof T & string, label: string) {
  const original = owner[name];
  (owner as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
    attempts.push(`${label}(${String(args[0]).slice(0, 80)})`);
    throw new Error(`${label} is not allowed in this test`);
  };
  restore.push(() => ((owner as Record<string, unknown>)[name] = original));
}

beforeAll(() => {
  watch(globalThis, "fetch", "fetch");
  watch(net.Socket.prototype, "connect", "net.Socket.connect");
  watch(net, "connect", "net.connect");
  watch(net, "createConnection", "net.createConnection");
  watch(tls, "connect", "tls.connect");
  watch(dns, "lookup", "dns.lookup");
  watch(dns.promises, "lookup", "dns.promises.lookup");
  watch(Bun, "connect", "Bun.connect");
});

afterAll(() => {
  for (const undo of restore.reverse()) undo();
});

test("loading, analysing and closing the engine use no network at all", async () => {
  const refusedBefore = refusedOutboundAttempts();
  const engine = await FaceEngine.create();
  for (const photo of ["astronaut.png", "grace_hopper.jpg", "fruits.jpg"]) engine.analyze(await fixtureFrame(photo));
  engine.close();
  // Let any promise-based sender run to completion.
  await Bun.sleep(50);
  expect(attempts).toEqual([]);
  // The logger did try to send on close, and the engine's seal refused it before it reached fetch:
  // without this the test could pass merely because nothing tried.
  expect(refusedOutboundAttempts()).toBeGreaterThan(refusedBefore);
  // Closing the last engine gives the thread its own fetch back (here: the test's watcher).
  expect(String(globalThis.fetch)).toContain("attempts.push");
});
