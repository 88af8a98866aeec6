/**
 * The few browser globals MediaPipe's web build needs to run inside Bun (or Node) with no browser.
 * Call `installWebPolyfills` once, before the bundle is imported. Each global says in its module which
 * line of the bundle needs it; nothing is installed that the bundle does not use.
 */
import { PixelImageData } from "./image-data";
import { createImportScripts, type PreloadedScripts } from "./import-scripts";
import { TextureStoreOffscreenCanvas } from "./offscreen-canvas";
import { TextureStoreGL } from "./webgl2-texture-store";

export type { PreloadedScripts } from "./import-scripts";

export interface WebPolyfillOptions {
  /** Script URLs that `importScripts` may "load", each mapped to the function that runs it. */
  preloadedScripts: PreloadedScripts;
}

export function installWebPolyfills(options: WebPolyfillOptions): void {
  const g = globalThis as Record<string, unknown>;
  // The bundle addresses its global scope as `self` (e.g. `self.ModuleFactory`, `"undefined"!=typeof self`).
  g.self = globalThis;
  // Loads the WASM loader script (see import-scripts.ts).
  g.importScripts = createImportScripts(options.preloadedScripts);
  // Emscripten's GL layer checks `gl instanceof WebGLRenderingContext` to tell WebGL1 from WebGL2 and picks
  // major version 2 when `WebGL2RenderingContext` is defined (vision_wasm_module_internal.js). Our context
  // is a WebGL2 one, so it must be an instance of the second and not of the first.
  g.WebGLRenderingContext ??= class WebGLRenderingContext {};
  g.WebGL2RenderingContext ??= TextureStoreGL;
  g.ImageData ??= PixelImageData;
  g.OffscreenCanvas ??= TextureStoreOffscreenCanvas;
  // Bun has a navigator, Node 20 does not; the bundle reads `navigator.userAgent` to rule out Safari before
  // it trusts OffscreenCanvas (vision_bundle.mjs, `function Bh(){var t=navigator;...}`).
  g.navigator ??= { userAgent: "Node.js", hardwareConcurrency: 1, language: "en-US" };
}
