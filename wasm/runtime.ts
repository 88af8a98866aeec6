/**
 * Where the MediaPipe WASM runtime comes from, and how it is handed to the bundle without any fetch.
 *
 * Both files are imported from the pinned `@mediapipe/tasks-vision` package, so `bun build --compile`
 * embeds them in the single binary: the loader as bundled code, the .wasm as an embedded file.
 * We use the "module" flavour of the runtime: an ES module exporting the Emscripten factory.
 */
import visionRuntimeFactory from "@mediapipe/tasks-vision/vision_wasm_module_internal.js";
import visionRuntimeWasmPath from "@mediapipe/tasks-vision/vision_wasm_module_internal.wasm" with { type: "file" };
import { readAsset } from "./read-asset";

/** The URLs the bundle is told to load; they never leave this process (see polyfills/import-scripts.ts). */
const LOADER_URL = "vigil-runtime:/vision_wasm_module_internal.js";
const WASM_URL = "vigil-runtime:/vision_wasm_module_internal.wasm";

export interface VisionRuntime {
  /** What `FilesetResolver.forVisionTasks` would return, pointing at our bundled copies. */
  fileset: { wasmLoaderPath: string; wasmBinaryPath: string };
  /** For `installWebPolyfills`: "importing" the loader re-arms the globals the bundle expects. */
  preloadedScripts: Map<string, () => void>;
}

/**
 * Compiles the runtime once (about 13 MB of WASM); every task created afterwards instantiates the same
 * compiled module, which is much cheaper than compiling per task.
 */
export interface VisionRuntimeOptions {
  /** Receives the runtime's stdout/stderr lines (MediaPipe's glog); without it they are dropped. */
  log?: (line: string) => void;
}

export async function loadVisionRuntime(options: VisionRuntimeOptions = {}): Promise<VisionRuntime> {
  const log = options.log ?? (() => {});
  const wasmModule = await WebAssembly.compile(await readAsset(visionRuntimeWasmPath));
  const g = globalThis as Record<string, unknown>;
  const armRuntimeGlobals = () => {
    // The bundle clears both globals after each task is created (`self.ModuleFactory=self.Module=void 0`),
    // so they are set again every time it asks for the loader.
    g.ModuleFactory = visionRuntimeFactory;
    // The loader also routes glog warnings through this global (it sets it to console.warn on import).
    g.custom_dbg = log;
    g.Module = {
      // Emscripten writes the runtime's stdout and stderr through these (else console.log/console.error).
      print: log,
      printErr: log,
      // Emscripten's documented hook for hosts that instantiate the module themselves: no fetch, no file
      // read. Instantiation is synchronous so that a failure rejects the factory's promise instead of
      // leaving it pending forever.
      instantiateWasm(imports: WebAssembly.Imports, receiveInstance: (instance: WebAssembly.Instance) => void) {
        receiveInstance(new WebAssembly.Instance(wasmModule, imports));
        return {};
      },
    };
  };
  return {
    fileset: { wasmLoaderPath: LOADER_URL, wasmBinaryPath: WASM_URL },
    preloadedScripts: new Map([[LOADER_URL, armRuntimeGlobals]]),
  };
}
