/**
 * Shrinks an RGBA image so its long side is at most `maxSide`, averaging the source pixels each output
 * pixel covers (a box filter: no aliasing, and cheap). Larger frames gain nothing for the engine: the
 * detector sees 128x128 and the landmark crop 192x192, so this only saves decode-to-inference work.
 */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export function downscaleToFit(image: RgbaImage, maxSide: number): RgbaImage {
  const { width, height, data } = image;
  const scale = maxSide / Math.max(width, height);
  if (scale >= 1) return image;
  const outWidth = Math.max(1, Math.round(width * scale));
  const outHeight = Math.max(1, Math.round(height * scale));
  const out = new Uint8Array(outWidth * outHeight * 4);
  const stepX = width / outWidth;
  const stepY = height / outHeight;
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = Math.floor(oy * stepY);
    const y1 = Math.max(y0 + 1, Math.floor((oy + 1) * stepY));
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = Math.floor(ox * stepX);
      const x1 = Math.max(x0 + 1, Math.floor((ox + 1) * stepX));
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let y = y0; y < y1; y++) {
        let i = (y * width + x0) * 4;
        for (let x = x0; x < x1; x++, i += 4) {
          r += data[i];
          g += data[i + 1];
          b += data[i + 2];
          a += data[i + 3];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (oy * outWidth + ox) * 4;
      out[o] = r / n + 0.5;
      out[o + 1] = g / n + 0.5;
      out[o + 2] = b / n + 0.5;
      out[o + 3] = a / n + 0.5;
    }
  }
  return { data: out, width: outWidth, height: outHeight };
}
