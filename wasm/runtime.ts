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
  /** Bytes held by the heaps of every instance made from this runtime (one per task). They never shrink. */
  heapBytes(): number;
}

/**
 * Compiles the runtime once (about 13 MB of WASM); every task created afterwards instantiates the same
 * compiled module, which is much cheaper than compiling per task.
 */
export interface VisionRuntimeOptions {
  /** Receives the runtime's stdout/stderr lines (MediaPipe's glog); without it they are dropped. */
  log?: (line: string) => void;
  /**
   * Most bytes one runtime instance's heap may grow to. The runtime itself stops at 2 GB; a lower ceiling
   * is how a worker's memory is bounded (Bun does not enforce worker resourceLimits). Past it, allocation
   * fails inside the runtime exactly as it would at 2 GB.
   */
  heapLimitBytes?: number;
  /** Called when the runtime aborts (out of memory, a failed check): that instance is unusable from then on. */
  onAbort?: (reason: string) => void;
}

export async function loadVisionRuntime(options: VisionRuntimeOptions = {}): Promise<VisionRuntime> {
  const log = options.log ?? (() => {});
  const onAbort = options.onAbort ?? (() => {});
  const memories: WebAssembly.Memory[] = [];
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
      // Emscripten calls this before it throws the abort; the caller decides what an abort means (fatal).
      onAbort: (what: unknown) => onAbort(String(what)),
      // Emscripten's documented hook for hosts that instantiate the module themselves: no fetch, no file
      // read. Instantiation is synchronous so that a failure rejects the factory's promise instead of
      // leaving it pending forever.
      instantiateWasm(imports: WebAssembly.Imports, receiveInstance: (instance: WebAssembly.Instance) => void) {
        const instance = new WebAssembly.Instance(wasmModule, imports);
        const memory = exportedMemory(instance);
        memories.push(memory);
        if (options.heapLimitBytes !== undefined) limitHeap(memory, options.heapLimitBytes);
        receiveInstance(instance);
        return {};
      },
    };
  };
  return {
    fileset: { wasmLoaderPath: LOADER_URL, wasmBinaryPath: WASM_URL },
    preloadedScripts: new Map([[LOADER_URL, armRuntimeGlobals]]),
    heapBytes: () => memories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0),
  };
}

/** The instance's heap, found by type because its export name is minified. */
function exportedMemory(instance: WebAssembly.Instance): WebAssembly.Memory {
  const memory = Object.values(instance.exports).find(
    (value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory,
  );
  if (!memory) throw new Error("the MediaPipe runtime exports no memory");
  return memory;
}

/**
 * Caps a heap. Emscripten grows its heap only through `memory.grow` called from JS (emscripten_resize_heap),
 * and treats a throw there as "cannot grow": malloc then fails inside the runtime.
 */
function limitHeap(memory: WebAssembly.Memory, limitBytes: number): void {
  const grow = memory.grow.bind(memory);
  Object.defineProperty(memory, "grow", {
    value(deltaPages: number) {
      if (memory.buffer.byteLength + deltaPages * 65536 > limitBytes)
        throw new RangeError(`heap limit of ${limitBytes} bytes reached`);
      return grow(deltaPages);
    },
  });
}
