/**
 * `ImageData` as in the DOM: the bundle recognises raw pixel input with `t instanceof ImageData`
 * (vision_bundle.mjs, MPImage and the image-to-stream upload) and builds new ones when it converts images.
 */
export class PixelImageData {
  readonly colorSpace = "srgb";
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;

  constructor(dataOrWidth: Uint8ClampedArray | number, widthOrHeight: number, height?: number) {
    if (typeof dataOrWidth === "number") {
      this.width = dataOrWidth;
      this.height = widthOrHeight;
      this.data = new Uint8ClampedArray(this.width * this.height * 4);
    } else {
      this.data = dataOrWidth;
      this.width = widthOrHeight;
      this.height = height ?? dataOrWidth.length / 4 / widthOrHeight;
    }
    if (this.data.length !== this.width * this.height * 4) {
      throw new RangeError(`ImageData: ${this.data.length} bytes do not fit ${this.width}x${this.height} RGBA`);
    }
  }
}
