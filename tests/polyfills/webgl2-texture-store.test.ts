import { describe, expect, test } from "bun:test";
import { TextureStoreOffscreenCanvas } from "../../polyfills/offscreen-canvas";
import { TextureStoreGL } from "../../polyfills/webgl2-texture-store";

const GLC = {
  TEXTURE_2D: 0x0de1,
  RGBA: 0x1908,
  UNSIGNED_BYTE: 0x1401,
  FRAMEBUFFER: 0x8d40,
  COLOR_ATTACHMENT0: 0x8ce0,
  UNPACK_FLIP_Y_WEBGL: 0x9240,
};

function uploadAndRead(flipY: boolean) {
  const gl = new TextureStoreOffscreenCanvas(1, 1).getContext("webgl2")!;
  // 2x2 image: rows [1,2] then [3,4] as the red channel.
  const pixels = new Uint8ClampedArray([1, 0, 0, 255, 2, 0, 0, 255, 3, 0, 0, 255, 4, 0, 0, 255]);
  const texture = gl.createTexture();
  gl.bindTexture(GLC.TEXTURE_2D, texture);
  gl.pixelStorei(GLC.UNPACK_FLIP_Y_WEBGL, flipY);
  gl.texImage2D(GLC.TEXTURE_2D, 0, GLC.RGBA, GLC.RGBA, GLC.UNSIGNED_BYTE, { width: 2, height: 2, data: pixels });
  gl.bindFramebuffer(GLC.FRAMEBUFFER, gl.createFramebuffer());
  gl.framebufferTexture2D(GLC.FRAMEBUFFER, GLC.COLOR_ATTACHMENT0, GLC.TEXTURE_2D, texture);
  // Read into the middle of a larger "heap", as Emscripten does.
  const heap = new Uint8Array(64);
  gl.readPixels(0, 0, 2, 2, GLC.RGBA, GLC.UNSIGNED_BYTE, heap, 8);
  return { gl, red: [heap[8], heap[12], heap[16], heap[20]], heap };
}

describe("the WebGL2 stand-in", () => {
  test("readPixels returns what texImage2D stored, at the destination offset", () => {
    const { red, heap } = uploadAndRead(false);
    expect(red).toEqual([1, 2, 3, 4]);
    expect(heap[7]).toBe(0);
    expect(heap[24]).toBe(0);
  });

  test("UNPACK_FLIP_Y turns the rows over", () => {
    expect(uploadAndRead(true).red).toEqual([3, 4, 1, 2]);
  });

  test("a sub-rectangle is read row by row", () => {
    const { gl } = uploadAndRead(false);
    const out = new Uint8Array(8);
    gl.readPixels(1, 0, 1, 2, GLC.RGBA, GLC.UNSIGNED_BYTE, out, 0);
    expect([out[0], out[4]]).toEqual([2, 4]);
    expect(() => gl.readPixels(1, 1, 2, 2, GLC.RGBA, GLC.UNSIGNED_BYTE, out, 0)).toThrow(/outside the 2x2 texture/);
  });

  test("a GL call it does not implement throws an error that names the call", () => {
    const gl = new TextureStoreOffscreenCanvas(1, 1).getContext("webgl2") as unknown as Record<
      string,
      (...a: unknown[]) => unknown
    >;
    expect(() => gl.compileShader({})).toThrow(/gl\.compileShader\(\) is not implemented/);
    expect(() => gl.drawArrays(4, 0, 3)).toThrow(/gl\.drawArrays\(\)/);
    // Constants it does not know read as undefined, like a missing extension's.
    expect(gl.SOME_UNKNOWN_CONSTANT).toBeUndefined();
  });

  test("only webgl2 contexts are offered, and it is a WebGL2 (not WebGL1) context for Emscripten", () => {
    const canvas = new TextureStoreOffscreenCanvas(4, 4);
    expect(canvas.getContext("2d")).toBeNull();
    expect(canvas.getContext("webgl2")).toBeInstanceOf(TextureStoreGL);
    expect(canvas.getContext("webgl2")).toBe(canvas.getContext("webgl2"));
  });
});
