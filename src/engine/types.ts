/** A frame as the engine takes it: tightly packed RGBA rows, top row first. */
export interface RgbaFrame {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** A landmark in image pixels; z is in the same scale as x (smaller = closer to the camera). */
export interface Landmark {
  x: number;
  y: number;
  z: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A square region of the image, rotated by `rotation` radians around its centre (positive turns the
 * region's x axis clockwise on screen, i.e. towards +y). This is MediaPipe's NormalizedRect in pixels.
 */
export interface Roi {
  centerX: number;
  centerY: number;
  size: number;
  rotation: number;
}
