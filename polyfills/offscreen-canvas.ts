import { TextureStoreGL, withUnsupportedCallGuard } from "./webgl2-texture-store";

/**
 * The bundle's GraphRunner creates `new OffscreenCanvas(1, 1)` as its GL canvas when OffscreenCanvas exists
 * (vision_bundle.mjs: `Bh()?this.j.canvas=new OffscreenCanvas(1,1)`), and later calls
 * `canvas.getContext("webgl2")` to upload input images. Only that context kind is offered: the CPU
 * delegate path never asks for "2d" when the input is ImageData.
 */
export class TextureStoreOffscreenCanvas {
  private context: TextureStoreGL | undefined;

  constructor(
    public width: number,
    public height: number,
  ) {}

  getContext(kind: string): TextureStoreGL | null {
    if (kind !== "webgl2") return null;
    this.context ??= withUnsupportedCallGuard(new TextureStoreGL(this));
    return this.context;
  }

  // Emscripten registers context-lost listeners on the canvas; there is no GPU to lose.
  addEventListener(): void {}
  removeEventListener(): void {}
}
