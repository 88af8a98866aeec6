/**
 * A WebGL2 stand-in that is only a texture store.
 *
 * With the CPU delegate, MediaPipe's web build uses WebGL for one thing: it uploads the input image into a
 * texture and later reads the pixels back through a framebuffer (`readPixels`) into the WASM heap. No shader
 * is ever compiled. So this class keeps each uploaded texture as bytes in memory and serves `readPixels`
 * from them. Any other GL call throws an error naming the call (see `withUnsupportedCallGuard`), so a future
 * bundle that starts drawing fails loudly instead of silently producing black frames.
 */

const GL = {
  NO_ERROR: 0,
  TEXTURE_2D: 0x0de1,
  TEXTURE0: 0x84c0,
  RGBA: 0x1908,
  UNSIGNED_BYTE: 0x1401,
  FRAMEBUFFER: 0x8d40,
  COLOR_ATTACHMENT0: 0x8ce0,
  FRAMEBUFFER_COMPLETE: 0x8cd5,
  UNPACK_FLIP_Y_WEBGL: 0x9240,
  VENDOR: 0x1f00,
  RENDERER: 0x1f01,
  VERSION: 0x1f02,
  SHADING_LANGUAGE_VERSION: 0x8b8c,
  MAX_TEXTURE_SIZE: 0x0d33,
  ALREADY_SIGNALED: 0x911a,
  SYNC_GPU_COMMANDS_COMPLETE: 0x9117,
} as const;

/** Pixels of one texture, tightly packed RGBA rows, top row first. */
export interface StoredTexture {
  width: number;
  height: number;
  pixels: Uint8Array | null;
}

interface PixelSource {
  width: number;
  height: number;
  data: ArrayBufferView;
}

export class TextureStoreGL {
  /** Emscripten's GL layer reads these to decide whether to use pixel buffer objects: never. */
  currentPixelPackBufferBinding = null;
  currentPixelUnpackBufferBinding = null;

  private boundTexture: StoredTexture | null = null;
  private framebufferTexture: StoredTexture | null = null;
  private flipYOnUpload = false;

  constructor(readonly canvas: { width: number; height: number }) {
    Object.assign(this, GL);
  }

  // --- start-up queries made by Emscripten's GL layer and the bundle's GraphRunner -------------------
  getExtension(_name: string): null {
    return null;
  }
  getSupportedExtensions(): string[] {
    return [];
  }
  getContextAttributes() {
    return {
      alpha: true,
      depth: false,
      stencil: false,
      antialias: false,
      premultipliedAlpha: false,
      preserveDrawingBuffer: false,
    };
  }
  getError(): number {
    return GL.NO_ERROR;
  }
  isContextLost(): boolean {
    return false;
  }
  getParameter(name: number): string | number {
    switch (name) {
      case GL.VERSION:
        return "WebGL 2.0 (Vigil texture store)";
      case GL.SHADING_LANGUAGE_VERSION:
        return "WebGL GLSL ES 3.00";
      case GL.VENDOR:
      case GL.RENDERER:
        return "Vigil";
      case GL.MAX_TEXTURE_SIZE:
        return 16384;
      default:
        return 0;
    }
  }

  // --- textures ---------------------------------------------------------------------------------------
  activeTexture(_unit: number): void {}
  createTexture(): StoredTexture {
    return { width: 0, height: 0, pixels: null };
  }
  deleteTexture(texture: StoredTexture | null): void {
    if (texture) texture.pixels = null;
  }
  bindTexture(_target: number, texture: StoredTexture | null): void {
    this.boundTexture = texture;
  }
  texParameteri(_target: number, _name: number, _value: number): void {}
  pixelStorei(name: number, value: unknown): void {
    if (name === GL.UNPACK_FLIP_Y_WEBGL) this.flipYOnUpload = Boolean(value);
  }

  /**
   * Both WebGL signatures: (target, level, internalFormat, format, type, source) with an ImageData-like
   * source, and (target, level, internalFormat, width, height, border, format, type, pixels|null).
   */
  texImage2D(...args: unknown[]): void {
    const texture = this.boundTexture;
    if (!texture) throw new Error("WebGL stand-in: texImage2D called with no texture bound");
    let width: number;
    let height: number;
    let data: ArrayBufferView | null;
    if (args.length === 6) {
      const source = args[5] as PixelSource;
      ({ width, height, data } = source);
    } else {
      width = args[3] as number;
      height = args[4] as number;
      data = (args[8] as ArrayBufferView | null) ?? null;
      const format = args[6];
      const type = args[7];
      if (data && (format !== GL.RGBA || type !== GL.UNSIGNED_BYTE)) {
        throw new Error(
          `WebGL stand-in: texImage2D with format 0x${Number(format).toString(16)} / type 0x${Number(type).toString(16)} is not supported (only RGBA/UNSIGNED_BYTE)`,
        );
      }
    }
    texture.width = width;
    texture.height = height;
    const byteLength = width * height * 4;
    if (!data) {
      texture.pixels = new Uint8Array(byteLength);
      return;
    }
    const source = new Uint8Array(data.buffer, data.byteOffset, byteLength);
    // A view, not a copy: the graph reads the texture back (readPixels) within the same synchronous task
    // call that uploaded it, and every call uploads its own image, so the caller's pixels are still
    // untouched when they are read. Copying 1.2 MB here cost ~2.8 ms a frame (bench/results/profile-stages.md).
    texture.pixels = this.flipYOnUpload ? flipRows(source, width, height) : source;
  }

  // --- read-back through a framebuffer ----------------------------------------------------------------
  createFramebuffer(): object {
    return {};
  }
  deleteFramebuffer(_framebuffer: object | null): void {}
  bindFramebuffer(_target: number, _framebuffer: object | null): void {}
  framebufferTexture2D(_target: number, _attachment: number, _textarget: number, texture: StoredTexture | null): void {
    this.framebufferTexture = texture;
  }
  checkFramebufferStatus(_target: number): number {
    return GL.FRAMEBUFFER_COMPLETE;
  }

  /** Copies a rectangle of the attached texture into `destination` (Emscripten passes the WASM heap + offset). */
  readPixels(
    x: number,
    y: number,
    width: number,
    height: number,
    format: number,
    type: number,
    destination: ArrayBufferView,
    offset = 0,
  ): void {
    const texture = this.framebufferTexture;
    if (!texture?.pixels) throw new Error("WebGL stand-in: readPixels with no texture attached to the framebuffer");
    if (format !== GL.RGBA || type !== GL.UNSIGNED_BYTE) {
      throw new Error("WebGL stand-in: readPixels supports only RGBA/UNSIGNED_BYTE");
    }
    if (x < 0 || y < 0 || x + width > texture.width || y + height > texture.height) {
      throw new Error(
        `WebGL stand-in: readPixels rectangle ${x},${y} ${width}x${height} outside the ${texture.width}x${texture.height} texture`,
      );
    }
    const elementSize = (destination as Uint8Array).BYTES_PER_ELEMENT ?? 1;
    const out = new Uint8Array(destination.buffer, destination.byteOffset + offset * elementSize, width * height * 4);
    const rowBytes = width * 4;
    if (x === 0 && width === texture.width) {
      out.set(texture.pixels.subarray(y * rowBytes, (y + height) * rowBytes));
      return;
    }
    for (let row = 0; row < height; row++) {
      const start = ((y + row) * texture.width + x) * 4;
      out.set(texture.pixels.subarray(start, start + rowBytes), row * rowBytes);
    }
  }

  // --- synchronisation: everything here is synchronous, so every fence is already signalled -----------
  fenceSync(_condition: number, _flags: number): object {
    return {};
  }
  clientWaitSync(_sync: object, _flags: number, _timeout: number): number {
    return GL.ALREADY_SIGNALED;
  }
  deleteSync(_sync: object): void {}
}

function flipRows(source: Uint8Array, width: number, height: number): Uint8Array {
  const rowBytes = width * 4;
  const out = new Uint8Array(source.length);
  for (let row = 0; row < height; row++) {
    out.set(source.subarray((height - 1 - row) * rowBytes, (height - row) * rowBytes), row * rowBytes);
  }
  return out;
}

/**
 * Wraps a context so that any method it lacks throws an error naming it, instead of `undefined is not a
 * function` somewhere deep in minified code. Upper-case names are GL constants: missing ones read as
 * undefined, as they would on a real context without that extension.
 */
export function withUnsupportedCallGuard<T extends object>(context: T): T {
  return new Proxy(context, {
    get(target, property, receiver) {
      if (property in target) return Reflect.get(target, property, receiver);
      if (typeof property === "string" && !/^[A-Z0-9_]+$/.test(property) && property !== "then") {
        return () => {
          throw new Error(
            `WebGL stand-in: gl.${property}() is not implemented (Vigil runs MediaPipe with the CPU delegate, which should not need it)`,
          );
        };
      }
      return undefined;
    },
  });
}
