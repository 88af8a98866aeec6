/**
 * The engine: RGBA frame in, faces with 478 landmarks out. One instance per worker thread; the models are
 * loaded once in `FaceEngine.create` and every `analyze` call is synchronous.
 *
 * Pipeline (MediaPipe's face mesh, with two MediaPipe Tasks doing the neural work):
 *   1. FaceDetector (BlazeFace, short or full range: see DetectorRange) finds faces and their eye
 *      keypoints; skipped for a face we are tracking (see `analyze`'s `track` option).
 *   2. For each face, a square crop rotated so the eyes are level is warped out of the frame (crop.ts).
 *   3. ImageEmbedder runs the face landmark "with attention" model on the crop and hands back its raw
 *      output tensors (the FaceLandmarker task cannot decode this model: it hard-codes another layout), read
 *      straight from the result's bytes (embedding-tap.ts).
 *   4. The tensors are merged into 478 points (landmark-merge.ts) and projected back to the frame (roi.ts).
 */
import type { Detection, FaceDetector, ImageEmbedder } from "@mediapipe/tasks-vision";
import { installWebPolyfills } from "../../polyfills";
import { readModels } from "../../wasm/models";
import { loadVisionRuntime } from "../../wasm/runtime";
import { cropRotatedSquare } from "./crop";
import { bundleEmbedTensors, tapEmbeddings, type EmbedTensors } from "./embedding-tap";
import { EngineFailure } from "./engine-failure";
import { mergeAttentionMesh, TOTAL_POINTS } from "./landmark-merge";
import { sealOutboundNetwork } from "./offline";
import { boundingBox, projectFromCrop, roiFromDetection, roiFromLandmarks } from "./roi";
import type { Box, Landmark, RgbaFrame, Roi } from "./types";

/**
 * Which BlazeFace model looks for faces. "short" (128 px input, faces within about 2 m) takes about a third of
 * the time of "full" (192 px, faces up to about 5 m), and finds the same faces on webcam framings (and
 * close-ups "full" misses); "full" also finds small, distant faces (a second person at the back of the room),
 * so photos, a session's first frame and its periodic look for a second person use it
 * (bench/results/short-range-detector.md).
 */
export type DetectorRange = "short" | "full";

/** Each detector's input side, in pixels: the frame is scaled to fit it, so finer detail never reaches it. */
export const DETECTOR_INPUT_SIZE: Readonly<Record<DetectorRange, number>> = { short: 128, full: 192 };

/** The landmark model's input side, in pixels. */
export const LANDMARK_INPUT_SIZE = 192;

/**
 * Face-flag logit above which a crop is accepted at once. Measured on the fixtures: a crop in the right
 * orientation scores 13-26, the same face a quarter or half turn off scores at most about 10.
 */
const CONFIDENT_FACE_LOGIT = 12;
/** Crop rotation error (radians) beyond which one more pass from the landmarks' own ROI is worth it. */
const REFINE_ROTATION = (8 * Math.PI) / 180;

export interface FaceEngineOptions {
  /** Most faces reported per frame (largest detection scores first). */
  maxFaces: number;
  /** BlazeFace score under which a detection is ignored (MediaPipe's default is 0.5). */
  minDetectionScore: number;
  /** Face presence score (the landmark model's face flag) under which a face is dropped. */
  minPresenceScore: number;
  /**
   * When the upright detector finds nobody, look once more in the frame turned upside down. BlazeFace
   * misses most upside-down faces; this costs one more detection on every frame without a face, so it is
   * for photos (the CLI) more than for upright webcams.
   */
  detectUpsideDown: boolean;
  /** The detector used when a call does not name one (AnalyzeOptions.detector). */
  defaultDetector: DetectorRange;
  /** Where the WASM runtime's own log lines (glog: graph start, XNNPACK) go; dropped by default. */
  runtimeLog?: (line: string) => void;
  /**
   * Read the landmark model's tensors straight from the graph's result bytes (embedding-tap.ts), checked
   * against the bundle's own reading at start-up. false: always the bundle's own (slower) path, for
   * comparison (bench/experiments/embedding-reader.ts) or should a future bundle need it.
   */
  tapLandmarkTensors: boolean;
  /** Ceiling for each model's WASM heap, in MB (see wasm/runtime.ts); the runtime's own limit is 2048. */
  heapLimitMb?: number;
}

export const DEFAULT_ENGINE_OPTIONS: FaceEngineOptions = {
  maxFaces: 2,
  minDetectionScore: 0.5,
  minPresenceScore: 0.5,
  detectUpsideDown: false,
  defaultDetector: "full",
  tapLandmarkTensors: true,
};

export interface EngineFace {
  /** Face box in pixels: the detector's box, or the landmarks' box for a tracked face. */
  box: Box;
  /** BlazeFace score; null when the face was tracked from the previous frame instead of detected. */
  detectionScore: number | null;
  /** Probability that the crop holds a face, from the landmark model. */
  presenceScore: number;
  /** 478 points in frame pixels: 468 mesh (refined eyes and lips), 468-472 and 473-477 the irises. */
  landmarks: Landmark[];
  /** The crop the landmarks came from; pass it back as `track` to follow this face in the next frame. */
  roi: Roi;
}

export interface EngineTimings {
  detectMs: number;
  cropMs: number;
  landmarksMs: number;
  mergeMs: number;
  totalMs: number;
}

export interface EngineResult {
  faces: EngineFace[];
  /** True when the detector ran (no tracking hint, or tracking lost the face). */
  detectorRan: boolean;
  /** Which detector ran, or null when the frame was tracked without it. */
  detector: DetectorRange | null;
  /** Landmark model runs for this frame (one per face normally; more for rotated or doubtful faces). */
  landmarkPasses: number;
  timings: EngineTimings;
}

export interface AnalyzeOptions {
  /** ROIs of faces seen in the previous frame: skip the detector and crop there (MediaPipe's video mode). */
  track?: readonly Roi[];
  /** Which detector runs if the detector runs at all; FaceEngineOptions.defaultDetector when unset. */
  detector?: DetectorRange;
}

interface FaceCandidate {
  roi: Roi;
  detectionScore: number | null;
  detectorBox: Box | null;
}

type ImageDataLike = { data: Uint8ClampedArray; width: number; height: number };
type ImageDataConstructor = new (data: Uint8ClampedArray, width: number, height: number) => ImageDataLike;

export class FaceEngine {
  private readonly cropBuffer = new Uint8ClampedArray(LANDMARK_INPUT_SIZE * LANDMARK_INPUT_SIZE * 4);

  private constructor(
    private readonly detectors: Record<DetectorRange, FaceDetector>,
    private readonly landmarker: ImageEmbedder,
    /** Runs the landmark model on a crop and returns its output tensors (embedding-tap.ts). */
    private readonly landmarkTensors: EmbedTensors,
    /** The tensors are read straight from the graph's result bytes (false: through the bundle's objects). */
    readonly landmarkTensorsTapped: boolean,
    private readonly options: FaceEngineOptions,
    private readonly ImageDataCtor: ImageDataConstructor,
    private readonly unsealNetwork: () => void,
    /** Why the runtime is broken (its abort hook fired, or it threw from inside a graph), or null while it
     * is sound. Once set, nothing more runs in it: its WASM state is undefined. */
    private readonly health: { abortedWith: string | null },
    /** Bytes held by both models' WASM heaps; they grow with the largest frame analysed and never shrink. */
    readonly heapBytes: () => number,
  ) {}

  static async create(options: Partial<FaceEngineOptions> = {}): Promise<FaceEngine> {
    const settings = { ...DEFAULT_ENGINE_OPTIONS, ...options };
    const unseal = sealOutboundNetwork();
    try {
      const health = { abortedWith: null as string | null };
      const [runtime, models] = await Promise.all([
        loadVisionRuntime({
          log: settings.runtimeLog,
          heapLimitBytes: settings.heapLimitMb === undefined ? undefined : settings.heapLimitMb * 1024 * 1024,
          onAbort: (reason) => {
            health.abortedWith ??= reason;
          },
        }),
        readModels(),
      ]);
      installWebPolyfills({ preloadedScripts: runtime.preloadedScripts });
      // Imported only now: the bundle looks for the globals above when it runs.
      const { FaceDetector, ImageEmbedder } = await import("@mediapipe/tasks-vision");
      // Each detector is its own task (its own graph and WASM instance); switching one task's model per
      // frame would rebuild its graph every time.
      const createDetector = (model: Uint8Array) =>
        FaceDetector.createFromOptions(runtime.fileset, {
          baseOptions: { modelAssetBuffer: model, delegate: "CPU" },
          runningMode: "IMAGE",
          minDetectionConfidence: settings.minDetectionScore,
        });
      const detectors = {
        full: await createDetector(models.faceDetector),
        short: await createDetector(models.faceDetectorShortRange),
      };
      const landmarker = await ImageEmbedder.createFromOptions(runtime.fileset, {
        baseOptions: { modelAssetBuffer: models.faceLandmarks, delegate: "CPU" },
        runningMode: "IMAGE",
        // Raw tensors: these are landmark coordinates, not an embedding to normalise or quantise.
        l2Normalize: false,
        quantize: false,
      });
      const ImageDataCtor = globalThis.ImageData as unknown as ImageDataConstructor;
      const probe = new ImageDataCtor(
        new Uint8ClampedArray(LANDMARK_INPUT_SIZE * LANDMARK_INPUT_SIZE * 4).fill(128),
        LANDMARK_INPUT_SIZE,
        LANDMARK_INPUT_SIZE,
      );
      const tensors = settings.tapLandmarkTensors
        ? tapEmbeddings(landmarker, probe as unknown as ImageData)
        : { embed: bundleEmbedTensors(landmarker), tapped: false };
      const engine = new FaceEngine(
        detectors,
        landmarker,
        tensors.embed,
        tensors.tapped,
        settings,
        ImageDataCtor,
        unseal,
        health,
        runtime.heapBytes,
      );
      engine.warmUp();
      return engine;
    } catch (error) {
      unseal();
      throw error;
    }
  }

  /** Runs both models once so the first real frame does not pay for first-call allocations. */
  private warmUp(): void {
    const side = 256;
    const frame = { data: new Uint8Array(side * side * 4).fill(128), width: side, height: side };
    this.analyze(frame, { detector: "full" });
    this.analyze(frame, { detector: "short" });
    this.analyze(frame, { track: [{ centerX: side / 2, centerY: side / 2, size: side, rotation: 0 }] });
  }

  /** Throws EngineFailure (fatal) when the runtime breaks; see engine-failure.ts. */
  analyze(frame: RgbaFrame, options: AnalyzeOptions = {}): EngineResult {
    assertFrame(frame);
    if (this.health.abortedWith !== null)
      throw new EngineFailure(`the MediaPipe runtime is unusable: ${this.health.abortedWith}`);
    try {
      return this.analyzeValidFrame(frame, options);
    } catch (error) {
      const reason = this.health.abortedWith ?? String((error as Error)?.message ?? error);
      this.health.abortedWith = reason;
      throw new EngineFailure(
        `the MediaPipe runtime failed on this frame (${frame.width}x${frame.height}): ${reason}`,
        { cause: error },
      );
    }
  }

  private analyzeValidFrame(frame: RgbaFrame, options: AnalyzeOptions): EngineResult {
    const started = performance.now();
    const timings: EngineTimings = { detectMs: 0, cropMs: 0, landmarksMs: 0, mergeMs: 0, totalMs: 0 };
    let faces: EngineFace[] = [];
    let detector: DetectorRange | null = null;
    const passes = { count: 0 };
    if (options.track?.length) {
      const tracked = options.track
        .slice(0, this.options.maxFaces)
        .map((roi) => ({ roi, detectionScore: null, detectorBox: null }));
      faces = this.landmarkFaces(frame, tracked, timings, passes);
    }
    if (faces.length === 0) {
      detector = options.detector ?? this.options.defaultDetector;
      faces = this.landmarkFaces(frame, this.detect(this.detectors[detector], frame, timings), timings, passes);
    }
    timings.totalMs = performance.now() - started;
    return { faces, detectorRan: detector !== null, detector, landmarkPasses: passes.count, timings };
  }

  /** Releases the WASM graphs. The bundle's usage logger tries to send on close; offline.ts refuses it. */
  close(): void {
    // A broken runtime is not closed: after a failed allocation, closing its graphs never returned (a busy
    // loop inside the runtime; tests/engine/heap-limit.test.ts closes one). Its memory goes with the thread.
    if (this.health.abortedWith === null) {
      this.detectors.full.close();
      this.detectors.short.close();
      this.landmarker.close();
    }
    this.unsealNetwork();
  }

  private detect(detector: FaceDetector, frame: RgbaFrame, timings: EngineTimings): FaceCandidate[] {
    const t0 = performance.now();
    let candidates = this.detectUpright(detector, frame);
    if (candidates.length === 0 && this.options.detectUpsideDown) {
      const { width, height } = frame;
      candidates = this.detectUpright(detector, rotateHalfTurn(frame)).map((c) => ({
        ...c,
        // Back to the frame's coordinates: a half turn maps (x, y) to (W - x, H - y).
        roi: {
          ...c.roi,
          centerX: width - c.roi.centerX,
          centerY: height - c.roi.centerY,
          rotation: c.roi.rotation + Math.PI,
        },
        detectorBox: c.detectorBox && {
          ...c.detectorBox,
          x: width - c.detectorBox.x - c.detectorBox.width,
          y: height - c.detectorBox.y - c.detectorBox.height,
        },
      }));
    }
    timings.detectMs += performance.now() - t0;
    return candidates;
  }

  private detectUpright(detector: FaceDetector, frame: RgbaFrame): FaceCandidate[] {
    const detections = detector.detect(this.toImageData(frame.data, frame.width, frame.height)).detections;
    return detections
      .map((detection) => candidateFromDetection(detection, frame))
      .filter((candidate): candidate is FaceCandidate => candidate !== null)
      .sort((a, b) => (b.detectionScore ?? 0) - (a.detectionScore ?? 0))
      .slice(0, this.options.maxFaces);
  }

  /**
   * Landmarks for each candidate. BlazeFace's keypoints are unreliable on faces turned by a quarter or
   * half turn (its keypoints then describe an upright face that is not there), so a crop the landmark
   * model is not confident about is tried at the other three quarter-turns and the most face-like kept;
   * a crop whose rotation is visibly off (a tilted head) gets one more pass from its landmarks' own ROI,
   * which is what MediaPipe's video mode converges to over frames.
   */
  private landmarkFaces(
    frame: RgbaFrame,
    candidates: readonly FaceCandidate[],
    timings: EngineTimings,
    passes: { count: number },
  ): EngineFace[] {
    const faces: EngineFace[] = [];
    for (const candidate of candidates) {
      let best = this.landmarkPass(frame, candidate, candidate.roi, timings, passes);
      // A tracked crop's orientation comes from the previous frame's landmarks: if the model doubts it, the
      // face has gone (or moved too far), and the detector takes over rather than a search of turns.
      const tracked = candidate.detectorBox === null;
      if (best.logit < CONFIDENT_FACE_LOGIT && !tracked) {
        for (let quarter = 1; quarter < 4; quarter++) {
          const turned = { ...candidate.roi, rotation: candidate.roi.rotation + (quarter * Math.PI) / 2 };
          const attempt = this.landmarkPass(frame, candidate, turned, timings, passes);
          if (attempt.logit > best.logit) best = attempt;
        }
      }
      if (rotationDifference(best.face.roi.rotation, best.cropRotation) > REFINE_ROTATION) {
        const refined = this.landmarkPass(frame, candidate, best.face.roi, timings, passes);
        if (refined.logit >= best.logit) best = refined;
      }
      if (best.face.presenceScore >= this.options.minPresenceScore) faces.push(best.face);
    }
    return faces;
  }

  private landmarkPass(
    frame: RgbaFrame,
    candidate: FaceCandidate,
    roi: Roi,
    timings: EngineTimings,
    passes: { count: number },
  ) {
    passes.count++;
    const t0 = performance.now();
    // One crop buffer per engine: the embedder copies it into its own memory before returning.
    const crop = cropRotatedSquare(frame, roi, LANDMARK_INPUT_SIZE, this.cropBuffer);
    const t1 = performance.now();
    const outputs = this.landmarkTensors(this.toImageData(crop, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE));
    const t2 = performance.now();
    if (outputs.length !== 7) throw new Error(`landmark model returned ${outputs.length} output tensors, expected 7`);
    const [mesh, lips, leftEye, rightEye, leftIris, rightIris, faceFlag] = outputs;
    const merged = mergeAttentionMesh({ mesh, lips, leftEye, rightEye, leftIris, rightIris });
    const landmarks: Landmark[] = new Array(TOTAL_POINTS);
    for (let i = 0; i < TOTAL_POINTS; i++) {
      landmarks[i] = projectFromCrop(roi, LANDMARK_INPUT_SIZE, merged[i * 3], merged[i * 3 + 1], merged[i * 3 + 2]);
    }
    const logit = faceFlag[0];
    const face: EngineFace = {
      box: candidate.detectorBox ?? boundingBox(landmarks.slice(0, 468)),
      detectionScore: candidate.detectionScore,
      // The face flag is a logit; MediaPipe applies a sigmoid (face_landmark_cpu.pbtxt, TensorsToFloats).
      presenceScore: sigmoid(logit),
      landmarks,
      // The crop for the next frame comes from this frame's landmarks, as in MediaPipe's video mode.
      roi: roiFromLandmarks(landmarks),
    };
    timings.cropMs += t1 - t0;
    timings.landmarksMs += t2 - t1;
    timings.mergeMs += performance.now() - t2;
    return { face, logit, cropRotation: roi.rotation };
  }

  /** Typed as the DOM's ImageData because that is what the Tasks API declares it takes. */
  private toImageData(data: Uint8Array | Uint8ClampedArray, width: number, height: number): ImageData {
    const clamped =
      data instanceof Uint8ClampedArray ? data : new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength);
    return new this.ImageDataCtor(clamped, width, height) as unknown as ImageData;
  }
}

function candidateFromDetection(detection: Detection, frame: RgbaFrame): FaceCandidate | null {
  const box = detection.boundingBox;
  const [eyeOnImageLeft, eyeOnImageRight] = detection.keypoints ?? [];
  if (!box || !eyeOnImageLeft || !eyeOnImageRight) return null;
  const detectorBox = { x: box.originX, y: box.originY, width: box.width, height: box.height };
  const toPixels = (k: { x: number; y: number }) => ({ x: k.x * frame.width, y: k.y * frame.height });
  return {
    roi: roiFromDetection(detectorBox, toPixels(eyeOnImageLeft), toPixels(eyeOnImageRight)),
    detectionScore: detection.categories[0]?.score ?? 0,
    detectorBox,
  };
}

/** The frame turned by 180 degrees: the pixel order reversed, one 32-bit RGBA pixel at a time. */
function rotateHalfTurn(frame: RgbaFrame): RgbaFrame {
  const aligned = frame.data.byteOffset % 4 === 0 ? frame.data : frame.data.slice();
  const pixels = new Uint32Array(aligned.buffer, aligned.byteOffset, frame.width * frame.height).slice();
  pixels.reverse();
  return { data: new Uint8Array(pixels.buffer), width: frame.width, height: frame.height };
}

/** Smallest angle between two rotations, in radians. */
function rotationDifference(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(d, 2 * Math.PI - d);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function assertFrame(frame: RgbaFrame): void {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`frame size ${width}x${height} is not a positive whole size`);
  }
  if (data.length !== width * height * 4) {
    throw new RangeError(`frame has ${data.length} bytes, expected ${width * height * 4} for ${width}x${height} RGBA`);
  }
}
