/**
 * One frame, end to end, inside one thread: decode (with the size checks), scale down if large, run the
 * engine, then measure each face and the image quality. Used by the worker threads and by the CLI.
 */
import { imageQuality } from "../analysis/image-quality";
import { eyeAppearance } from "../analysis/eye-appearance";
import { measureFace } from "../analysis/face-measures";
import type { Thresholds } from "../analysis/thresholds";
import { DEFAULT_ENGINE_OPTIONS, DETECTOR_INPUT_SIZE, FaceEngine, type DetectorRange } from "../engine/face-engine";
import type { Roi } from "../engine/types";
import { decodeImage, loadDecoders } from "../image/decode";
import { FrameBuffer } from "../image/frame-buffer";
import type { ImageLimits } from "../image/probe";
import type { PixelSink } from "../image/stored-png";
import { analyzeCropFrame } from "./crop-frame";
import type { FrameOutcome, FrameRequest } from "./frame-contract";
import { frameTimings } from "./frame-timings";
import { modelVersions } from "./model-versions";
import { QUICK_LOOK_SIDE } from "./quick-look";

export interface FrameAnalyzerOptions {
  maxFaces: number;
  /** Search upside down when nobody is found upright (photos; costly on empty webcam frames). */
  detectUpsideDown?: boolean;
  /** The face detector for requests that do not name one: "short" for webcam frames, "full" (the default)
   * for photos, which may show small or distant faces. */
  defaultDetector?: DetectorRange;
  limits: ImageLimits;
  inferenceMaxSide: number;
  thresholds: Thresholds;
  /** Ceiling of each model's WASM heap, in MB; unset keeps the runtime's own 2 GB. */
  engineHeapMb?: number;
}

export class FrameAnalyzer {
  /** The decoded frame's pixels, in the same memory every frame (frame-buffer.ts); frames scaled to fit
   * inferenceMaxSide always fit. */
  private readonly pixels: FrameBuffer;
  private framesInFlight = 0;

  private constructor(
    private readonly engine: FaceEngine,
    private readonly options: FrameAnalyzerOptions,
  ) {
    this.pixels = new FrameBuffer(options.inferenceMaxSide * options.inferenceMaxSide * 4);
  }

  static async create(options: FrameAnalyzerOptions): Promise<FrameAnalyzer> {
    const [engine] = await Promise.all([
      FaceEngine.create({
        maxFaces: options.maxFaces,
        detectUpsideDown: options.detectUpsideDown ?? false,
        defaultDetector: options.defaultDetector ?? DEFAULT_ENGINE_OPTIONS.defaultDetector,
        heapLimitMb: options.engineHeapMb,
      }),
      loadDecoders(),
    ]);
    return new FrameAnalyzer(engine, options);
  }

  async analyze(bytes: Uint8Array, request: FrameRequest): Promise<FrameOutcome> {
    if (request.crop) return analyzeCropFrame(this.engine, bytes, { ...request, crop: request.crop }, this.options);
    // The pixels' buffer is shared by this analyzer's frames: a second frame analysed while one is decoding
    // (callers other than the worker, which sends one at a time) gets its own.
    if (this.framesInFlight > 0) return this.analyzeFrame(bytes, request, undefined);
    this.framesInFlight++;
    try {
      return await this.analyzeFrame(bytes, request, this.pixels.take);
    } finally {
      this.framesInFlight--;
    }
  }

  private async analyzeFrame(
    bytes: Uint8Array,
    request: FrameRequest,
    output: PixelSink | undefined,
  ): Promise<FrameOutcome> {
    const detector = request.detector ?? this.options.defaultDetector ?? DEFAULT_ENGINE_OPTIONS.defaultDetector;
    const quickLook =
      request.expectEmpty === true && !request.track?.length && QUICK_LOOK_SIDE >= DETECTOR_INPUT_SIZE[detector];
    if (quickLook) {
      const empty = await this.analyzeAt(QUICK_LOOK_SIDE, bytes, request, output);
      // Someone is there after all: their landmarks need the whole frame (the detector runs again on it).
      if (empty.person.count === 0) return empty;
    }
    // Large frames are scaled while they are decoded (a 12 MP JPEG: 64 ms instead of 880 ms decoded whole).
    return this.analyzeAt(this.options.inferenceMaxSide, bytes, request, output);
  }

  private async analyzeAt(
    maxSide: number,
    bytes: Uint8Array,
    request: FrameRequest,
    output: PixelSink | undefined,
  ): Promise<FrameOutcome> {
    const t0 = performance.now();
    const frame = await decodeImage(bytes, this.options.limits, { fitWithin: maxSide, output });
    // Everything below is in the analysed frame's pixels; answers are given in the original's.
    const toOriginal = frame.sourceWidth / frame.width;
    const t1 = performance.now();
    const track = request.track?.map((roi) => scaleRoi(roi, 1 / toOriginal));
    const engineResult = this.engine.analyze(frame, { track, detector: request.detector });
    const t2 = performance.now();
    const faces = engineResult.faces.map((face) => {
      const measures = measureFace(face.landmarks, this.options.thresholds, eyeAppearance(frame, face.landmarks));
      return {
        box: scaleBox(face.box, toOriginal),
        detectionScore: face.detectionScore,
        presenceScore: face.presenceScore,
        ...measures,
        ...(request.landmarks
          ? { landmarks: face.landmarks.map((p) => [p.x * toOriginal, p.y * toOriginal, p.z * toOriginal]) }
          : {}),
      };
    });
    const quality = imageQuality(frame, engineResult.faces[0]?.box ?? null, this.options.thresholds.quality);
    const t3 = performance.now();
    const image = {
      format: frame.format,
      width: frame.sourceWidth,
      height: frame.sourceHeight,
      analyzedWidth: frame.width,
      analyzedHeight: frame.height,
      quality,
    };
    return {
      person: { present: faces.length > 0, count: faces.length },
      faces,
      image,
      models: modelVersions(),
      tracked: !engineResult.detectorRan,
      timings: frameTimings(t0, t1, t2, t3, engineResult),
      tracking: engineResult.faces.map((face) => scaleRoi(face.roi, toOriginal)),
    };
  }

  /** The engine reads the landmark model's tensors from the graph's result bytes (engine/embedding-tap.ts). */
  get landmarkTensorsTapped(): boolean {
    return this.engine.landmarkTensorsTapped;
  }

  /** Bytes held by the engine's WASM heaps: sized by the largest frame analysed so far, never shrinking. */
  get engineHeapBytes(): number {
    return this.engine.heapBytes();
  }

  close(): void {
    this.engine.close();
  }
}

function scaleBox(box: { x: number; y: number; width: number; height: number }, k: number) {
  return { x: box.x * k, y: box.y * k, width: box.width * k, height: box.height * k };
}

function scaleRoi(roi: Roi, k: number): Roi {
  return { centerX: roi.centerX * k, centerY: roi.centerY * k, size: roi.size * k, rotation: roi.rotation };
}
