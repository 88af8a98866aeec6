// Files imported with `with { type: "file" }` resolve to their path (Bun's file loader).
declare module "*.tflite" {
  const path: string;
  export default path;
}
declare module "*.wasm" {
  const path: string;
  export default path;
}
declare module "@mediapipe/tasks-vision/vision_wasm_module_internal.js" {
  const factory: (moduleArg?: object) => Promise<unknown>;
  export default factory;
}
declare module "@jsquash/jpeg/decode.js" {
  export function init(
    module: WebAssembly.Module,
    overrides?: { print?: (s: string) => void; printErr?: (s: string) => void },
  ): Promise<void>;
  export default function decode(
    buffer: ArrayBuffer,
  ): Promise<{ data: Uint8ClampedArray; width: number; height: number }>;
}
declare module "@jsquash/webp/decode.js" {
  export function init(module: WebAssembly.Module): Promise<void>;
  export default function decode(
    buffer: ArrayBuffer,
  ): Promise<{ data: Uint8ClampedArray; width: number; height: number }>;
}
declare module "@jsquash/png/decode.js" {
  export function init(module: WebAssembly.Module): Promise<unknown>;
  export default function decode(
    buffer: ArrayBuffer,
  ): Promise<{ data: Uint8ClampedArray; width: number; height: number }>;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string;
  export default path;
}
// The demo page's files (clients/demo), served by src/server/demo-page.ts.
declare module "*.css" {
  const path: string;
  export default path;
}
