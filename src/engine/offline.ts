/**
 * Closes every outbound network door of the thread that runs the engine.
 *
 * MediaPipe's web bundle carries a usage logger that POSTs to a Google endpoint with the global `fetch`
 * every 60 s and whenever a task is closed (vision_bundle.mjs: `this.o.send({url:"https://odml.pa...`).
 * Vigil must never send anything anywhere, and frames are people's faces, so instead of trusting that
 * logger's internals (minified, and free to change), the engine thread gets a `fetch` (and the other
 * browser network APIs) that refuses at once. The logger treats the refusal as a failed send, stops its
 * timer and never tries again. The engine thread has no legitimate outbound traffic: models and the
 * runtime are read from files embedded in the program.
 */

let refusedAttempts = 0;

export class OutboundNetworkRefused extends TypeError {
  constructor(api: string, target: string) {
    super(`${api}(${target}) refused: the Vigil engine thread sends nothing over the network`);
    this.name = "OutboundNetworkRefused";
  }
}

function describeTarget(input: unknown): string {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  if (input && typeof input === "object" && "url" in input) return String((input as { url: unknown }).url);
  return String(input);
}

function refusingApi(api: string) {
  return function refused(input?: unknown): never {
    refusedAttempts++;
    throw new OutboundNetworkRefused(api, describeTarget(input));
  };
}

const SEALED_APIS = ["fetch", "XMLHttpRequest", "WebSocket", "EventSource"] as const;
let sealCount = 0;
let unsealed: Record<string, unknown> = {};
let unsealedBeacon: unknown;

/**
 * Seals the thread's network APIs until the returned function is called. Engines in one thread share
 * the seal (counted), and the originals come back only when the last engine is closed, which matters in
 * a process that also talks HTTP (the CLI, tests); worker threads never unseal.
 */
export function sealOutboundNetwork(): () => void {
  if (sealCount++ === 0) installSeal();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--sealCount === 0) removeSeal();
  };
}

function removeSeal(): void {
  const g = globalThis as Record<string, unknown>;
  for (const [api, original] of Object.entries(unsealed)) g[api] = original;
  const navigator = g.navigator as Record<string, unknown> | undefined;
  if (navigator && unsealedBeacon !== undefined) navigator.sendBeacon = unsealedBeacon;
  unsealed = {};
  unsealedBeacon = undefined;
}

function installSeal(): void {
  const g = globalThis as Record<string, unknown>;
  for (const api of SEALED_APIS) if (api in g) unsealed[api] = g[api];
  const refusedFetch = refusingApi("fetch");
  // An async function's rejection is what a failed fetch looks like to callers that await it.
  g.fetch = async (input: unknown) => refusedFetch(input);
  for (const api of SEALED_APIS.slice(1)) {
    if (api in g) {
      g[api] = class {
        constructor(url?: unknown) {
          refusingApi(api)(url);
        }
      };
    }
  }
  const navigator = g.navigator as Record<string, unknown> | undefined;
  if (navigator && "sendBeacon" in navigator) {
    unsealedBeacon = navigator.sendBeacon;
    navigator.sendBeacon = refusingApi("navigator.sendBeacon");
  }
}

/** How many outbound attempts were refused in this thread (reported by tests and the worker's metrics). */
export function refusedOutboundAttempts(): number {
  return refusedAttempts;
}
