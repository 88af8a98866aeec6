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
