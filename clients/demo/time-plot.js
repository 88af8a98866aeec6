/**
 * A line plot of a few series over a sliding time window, drawn on a canvas. Small on purpose: the demo needs
 * two plots of a minute of one-a-second points, not a charting library to serve.
 */
export class TimePlot {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ windowMs: number, min: number, max: number, series: Record<string, string>, gridAt?: number[] }} options
   *   series maps a series name to its colour; gridAt draws horizontal guide lines at those values.
   */
  constructor(canvas, options) {
    this.canvas = canvas;
    this.options = options;
    /** @type {Array<{ t: number, values: Record<string, number | null> }>} */
    this.points = [];
  }

  /** Adds one sample; a null value leaves a gap in that series (no face in that frame). */
  add(t, values) {
    this.points.push({ t, values });
    const oldest = t - this.options.windowMs;
    while (this.points.length && this.points[0].t < oldest) this.points.shift();
    this.draw(t);
  }

  clear() {
    this.points = [];
    this.draw(Date.now());
  }

  draw(now) {
    const { canvas, options } = this;
    const ctx = canvas.getContext("2d");
    const { width, height } = canvas;
    ctx.clearRect(0, 0, width, height);
    const x = (t) => width - ((now - t) / options.windowMs) * width;
    const y = (v) =>
      height - ((Math.min(options.max, Math.max(options.min, v)) - options.min) / (options.max - options.min)) * height;
    ctx.strokeStyle = "#e3e8ec";
    ctx.lineWidth = 1;
    for (const v of options.gridAt ?? []) {
      ctx.beginPath();
      ctx.moveTo(0, y(v));
      ctx.lineTo(width, y(v));
      ctx.stroke();
    }
    ctx.lineWidth = 2;
    for (const [name, colour] of Object.entries(options.series)) {
      ctx.strokeStyle = colour;
      ctx.beginPath();
      let drawing = false;
      for (const point of this.points) {
        const value = point.values[name];
        if (value === null || value === undefined) {
          drawing = false;
          continue;
        }
        if (drawing) ctx.lineTo(x(point.t), y(value));
        else ctx.moveTo(x(point.t), y(value));
        drawing = true;
      }
      ctx.stroke();
    }
  }
}
