/**
 * The API's shapes as zod schemas: the single source of the OpenAPI document (/openapi.json) and of the
 * types the handlers return (checked against the analysis's own types in analysis-body.ts). Numbers in the
 * descriptions are the configuration's defaults, taken from where they are defined.
 */
import { z } from "@hono/zod-openapi";
import { DEFAULT_THRESHOLDS } from "../analysis/thresholds";
import { defaultOptions } from "../config";
import { QUICK_LOOK_SIDE } from "../frame/quick-look";
import { DEFAULT_LOAD_PACING, DEFAULT_PACING } from "../session/pacing";
import { DEFAULT_SESSION_RULES as RULES } from "../session/session-config";

const OPTIONS = defaultOptions();
const seconds = (ms: number) => `${ms / 1000} s`;
const minutes = (ms: number) => (ms === 60_000 ? "minute" : `${ms / 60_000} minutes`);
/** The EAR under which the default thresholds call an eye closed (eyes.closedBelow is in openness). */
const { earShut, earOpen, closedBelow } = DEFAULT_THRESHOLDS.eyes;
const CLOSED_EAR = Number((earShut + closedBelow * (earOpen - earShut)).toFixed(3));
/** How far back a session keeps its frames. */
const HISTORY_MS = Math.max(RULES.perclosWindowMs, RULES.yawnWindowMs);

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "image_too_large" }),
      message: z
        .string()
        .openapi({ example: "declared 20000x20000 = 400000000 pixels, more than the 40000000 allowed" }),
      requestId: z.string().openapi({
        example: "3f0b9a4e-8d1c-4f57-9a57-1b2f8c6f0e21",
        description: "The request's id, as in X-Request-Id.",
      }),
    }),
  })
  .openapi("Error");

const Box = z
  .object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })
  .openapi("Box", { description: "In image pixels." });

const Eye = z
  .object({
    openness: z
      .number()
      .min(0)
      .max(1)
      .describe("0 = closed, 1 = fully open; a calibrated mapping of the eye aspect ratio."),
    ear: z.number().describe("Eye aspect ratio (Soukupová & Čech 2016): lid distance over eye width."),
    closed: z
      .boolean()
      .describe(
        `Openness under eyes.closedBelow (EAR under ${CLOSED_EAR} with the defaults, chosen on real closed and open ` +
          "eyes: docs/thresholds.md) and the eye's pixels agree (looksClosed at least eyes.appearanceOpenBelow), or " +
          "the lids nearly met (EAR under eyes.appearanceMaxEar) over an eye whose pixels show only lid " +
          "(looksClosed over eyes.appearanceClosedAbove, or over eyes.appearanceClosedAboveHeadDown with the head " +
          "pitched down eyes.appearanceHeadDownPitch or more); looksClosed read there weighed with the other " +
          "eye's (eyes.appearancePartnerWeight); never while the face is looking down (gaze.down). " +
          "One frame's absolute answer; a session judges eyes against the person's own open eyes.",
      ),
    looksClosed: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .optional()
      .describe(
        "Probability that the eye is closed by what its pixels show (iris and sclera, or lid), from a small " +
          "classifier on the eye region (docs/thresholds.md); absent where it could not be sampled.",
      ),
  })
  .openapi("Eye");

const Face = z
  .object({
    box: Box,
    detectionScore: z
      .number()
      .nullable()
      .describe("Face detector score; null when the face was tracked from the session's previous frame."),
    presenceScore: z.number().describe("Probability that this is a face, from the landmark model."),
    eyes: z.object({ left: Eye, right: Eye }).describe("The subject's own left and right eye."),
    headPose: z
      .object({ yaw: z.number(), pitch: z.number(), roll: z.number() })
      .describe(
        "Degrees. yaw > 0: the subject turns to their left; pitch > 0: looks up; roll > 0: head tilts to their left.",
      ),
    gaze: z
      .object({
        horizontal: z
          .number()
          .describe("Mean iris position between the eye corners, 0..1 in image left-to-right; 0.5 = centred."),
        vertical: z.number().describe("Mean iris position between the lids, 0 = top, 1 = bottom."),
        down: z
          .boolean()
          .describe(
            `Looking down (reading, writing) with the eyes open: the head is pitched down past gaze.downPitch ` +
              `(${DEFAULT_THRESHOLDS.gaze.downPitch}°) and the lids leave at least a pupil's width of the iris ` +
              "uncovered, or, head level, both lids are low enough to read as closed over eyes whose pixels show an " +
              "iris (looksClosed under eyes.appearanceOpenBelow). Such a face's eyes are never `closed`; sessions " +
              "count it as focused reading.",
          ),
      })
      .describe("Iris position within the eyes."),
    lookingAway: z.boolean().describe("Head turned or eyes aimed away from the screen beyond the configured limits."),
    mouth: z.object({ opening: z.number().describe("Mouth aspect ratio (inner lips)."), yawn: z.boolean() }),
    landmarks: z
      .array(z.array(z.number()).length(3))
      .optional()
      .describe(
        "With ?landmarks=1: 478 [x, y, z] points in image pixels (MediaPipe face mesh with irises at 468-477).",
      ),
  })
  .openapi("Face");

const ImageQuality = z
  .object({
    brightness: z.number().describe("Mean luma 0..255 over the face (or the whole frame without a face)."),
    sharpness: z.number().describe("Variance of the Laplacian of luma; low = blurry."),
    tooDark: z.boolean(),
    tooBright: z.boolean(),
    tooBlurry: z.boolean(),
  })
  .openapi("ImageQuality");

export const Timings = z
  .object({
    decodeMs: z.number(),
    queueMs: z.number().describe("Time the frame waited for a free worker."),
    inferenceMs: z.number().describe("Face detector plus landmark model."),
    analysisMs: z.number().describe("Eye, pose, mouth and image-quality measures."),
    totalMs: z.number().describe("From request start to response."),
    stages: z.record(z.string(), z.number()).describe("Inference by stage: detect, crop, landmarks, merge."),
  })
  .openapi("Timings");

export const SessionState = z
  .object({
    id: z.string(),
    available: z.literal(true).describe("The session store answered; see SessionUnavailable for when it does not."),
    state: z.enum(["focused", "drowsy", "asleep", "away", "distracted", "not_alone", "unknown"]),
    since: z
      .string()
      .describe("When the current state began (the capture time of the frame that started it), ISO 8601."),
    measures: z.object({
      perclos: z
        .number()
        .nullable()
        .describe(
          `PERCLOS (P80): share of the last ${minutes(RULES.perclosWindowMs)} the eyes were closed in closures ` +
            "(see closures); single closed frames are left out, as blinks are; " +
            `null until ${seconds(RULES.perclosMinFaceMs)} of face time.`,
        ),
      closedFrames: z
        .number()
        .int()
        .describe(
          `Frames in the last ${minutes(RULES.perclosWindowMs)} whose eyes were closed (judged on \`eyes.basis\`).`,
        ),
      closures: z
        .number()
        .int()
        .describe(
          `Closures in the last ${minutes(RULES.perclosWindowMs)}: runs of at least two consecutive closed frames ` +
            `at least ${RULES.blinkMaxMs} ms apart, so provably longer than any blink ` +
            "(at 1 frame/s: any two closed frames in a row).",
        ),
      longestClosureMs: z
        .number()
        .describe(
          `The longest closure in the last ${minutes(RULES.perclosWindowMs)}, first to last closed frame ` +
            "(a lower bound: the eyes may have closed before and opened after).",
        ),
      blinks: z
        .number()
        .int()
        .nullable()
        .describe(
          `Blinks in the last ${minutes(RULES.perclosWindowMs)}, only when frames come at least every ` +
            `${RULES.blinkMaxFrameIntervalMs} ms (${1000 / RULES.blinkMaxFrameIntervalMs} frames/s; the default ` +
            `per-client limit is ${OPTIONS.rateLimitPerSecond}, VIGIL_RATE_LIMIT_PER_SECOND): a blink lasts ` +
            "100-400 ms, so at 1 frame/s most fall between frames and a count would be chance. null at slower rates.",
        ),
      blinkRatePerMinute: z.number().nullable().describe("Blinks per minute; null when blinks is null."),
      eyesClosedMs: z.number().describe("Current eyes-closed streak."),
      noPersonMs: z.number().describe("Current time without a person."),
      lookingAwayMs: z
        .number()
        .describe("Current time looking away (looking down at a desk or book is reading, not away)."),
      readingMs: z
        .number()
        .describe(
          "Current time with the eyes lowered to a desk, a book or a keyboard (face.gaze.down): counted as focused, " +
            "never as closed.",
        ),
      yawns: z
        .number()
        .int()
        .describe(`Yawns in the last ${minutes(RULES.yawnWindowMs)}.`),
    }),
    eyes: z
      .object({
        basis: z
          .enum(["personal", "absolute"])
          .describe(
            "personal: the eyes were judged against this person's own open eyes (baselineEar); absolute: against " +
              "the per-frame threshold (face.eyes.*.closed), until enough frames are in.",
          ),
        baselineEar: z
          .object({ left: z.number(), right: z.number() })
          .nullable()
          .describe(
            `The person's open-eye EAR per eye: the ${Math.round(RULES.baselinePercentile * 100)}th percentile ` +
              `over the frames kept (up to ${minutes(HISTORY_MS)}) that show the eyes (a face, usable, facing the ` +
              `screen, not looking down), held within ${RULES.baselineMinEar.toFixed(2)}-` +
              `${RULES.baselineMaxEar.toFixed(2)}; null until ${RULES.baselineMinFrames} such frames.`,
          ),
        closedBelowEar: z
          .object({ left: z.number(), right: z.number() })
          .nullable()
          .describe(
            `Under these EARs an eye counts as closed in this session: ${Math.round((1 - RULES.closedBelow) * 100)}% ` +
              `closed between the baseline and a shut eye's EAR, ${RULES.shutEar} + ${RULES.closedBelow} ` +
              `(baseline - ${RULES.shutEar}) (PERCLOS P80, docs/sessions.md); both eyes must be under. ` +
              "null until the baseline exists.",
          ),
        baselineFrames: z.number().int().describe("Frames the baseline is drawn from."),
        closed: z.boolean().describe("This frame's eyes are closed, judged on basis."),
        lookingDown: z.boolean().describe("This frame's eyes are lowered to a desk or a book (reading): never closed."),
      })
      .describe("How the session judges the eyes: against the person's own open eyes once it has seen enough of them."),
    frames: z.number().int().describe("Frames the session has seen (since its history last started)."),
    historyStartedAt: z.string().describe("Capture time of the first frame of the session's history."),
    fresh: z
      .boolean()
      .describe(
        "True when this frame started the session's history. On a frame that is not the client's first, it means the " +
          "history was lost (it expired, was forgotten, or was held in the memory of an instance that died, or in a " +
          "Redis that restarted without persistence) and restarts empty.",
      ),
  })
  .openapi("Session");

export const SessionUnavailable = z
  .object({
    id: z.string(),
    available: z.literal(false),
    reason: z
      .string()
      .describe("Why the session store could not be reached, e.g. no answer within VIGIL_REDIS_TIMEOUT_MS."),
  })
  .openapi("SessionUnavailable", {
    description:
      "The session store (Redis) could not be reached in time: the frame was analysed and answered, but not filed in " +
      "its session. Sessions resume by themselves when the store is back.",
  });

const Crop = z
  .object({
    centerX: z.number().describe("Centre of the square, in the client's frame pixels."),
    centerY: z.number(),
    size: z.number().describe("Side of the square, in frame pixels."),
    rotation: z
      .number()
      .describe("Radians; positive turns the crop's x axis clockwise on screen (the eyes come out level)."),
  })
  .openapi("FaceCrop", {
    description: "A square, rotated region of the client's frame (the face, 1.5 times its size).",
  });

export const NextFrame = z
  .object({
    nextFrameAfterMs: z
      .number()
      .int()
      .describe(
        `Capture the next frame this long after this frame's capture time (X-Capture-Time): ` +
          `${DEFAULT_PACING.sparseMs} ` +
          `while a state is steady (focused with the eyes well open for ${seconds(DEFAULT_PACING.steadyAfterMs)}, or ` +
          `away for ${seconds(DEFAULT_PACING.steadyAfterMs)}), ${DEFAULT_PACING.normalMs} otherwise; while the ` +
          `server is busy, steady sessions up to VIGIL_LOAD_PACING_MAX_MS (${DEFAULT_LOAD_PACING.ceilingMs}; in ` +
          `overload, once frames were refused, VIGIL_LOAD_PACING_OVERLOAD_MAX_MS, ${DEFAULT_LOAD_PACING.overloadCeilingMs}), and a ` +
          `new session's first answer spread between ${DEFAULT_PACING.normalMs} and that. ` +
          "See docs/sessions.md, Pacing.",
      ),
    frame: z
      .enum(["full", "crop"])
      .describe(
        "full: send the whole frame. crop: send only `crop`, as an outputSize x outputSize image with X-Frame-Crop.",
      ),
    crop: Crop.extend({
      outputSize: z
        .number()
        .int()
        .describe(
          `Side of the square image to send, in pixels (${OPTIONS.faceCropSize} by default: the landmark model's ` +
            `input).`,
        ),
    })
      .optional()
      .describe(
        "With frame = crop: the region to cut from the next frame, in the pixels of the frame this answer is about.",
      ),
  })
  .openapi("NextFrame", {
    description:
      "With X-Session-Id: what the server wants next. Clients may ignore it (full frames at a fixed rate keep " +
      "working), or follow it: fewer frames while nothing changes, and only the face leaves the browser while it " +
      "is tracked.",
  });

export const Analysis = z
  .object({
    person: z.object({ present: z.boolean(), count: z.number().int() }),
    tracked: z
      .boolean()
      .describe("The faces were followed from the session's previous frame; the detector was skipped."),
    faces: z.array(Face).describe("Largest detection score first; at most the configured maxFaces."),
    image: z.object({
      format: z.enum(["jpeg", "png", "webp"]),
      width: z.number().int(),
      height: z.number().int(),
      analyzedWidth: z
        .number()
        .int()
        .describe(
          `Size after any downscaling before inference. In a session, a frame after one with nobody in it is first ` +
            `looked at decoded to ${QUICK_LOOK_SIDE} px on its long side (enough for the short-range detector); if ` +
            `nobody is found there, that is the size given.`,
        ),
      analyzedHeight: z.number().int(),
      quality: ImageQuality,
      crop: Crop.extend({ frameWidth: z.number().int(), frameHeight: z.number().int() })
        .optional()
        .describe(
          "For a face-crop frame: the geometry it was sent with (X-Frame-Crop). width and height are then the full " +
            "frame's, analyzedWidth and analyzedHeight the crop image's.",
        ),
    }),
    models: z.record(z.string(), z.object({ name: z.string(), source: z.string(), sha256: z.string() })),
    timings: Timings,
    session: z
      .union([SessionState, SessionUnavailable])
      .optional()
      .describe(
        "With X-Session-Id: the user's state over time, or, while the session store cannot be reached, `available: " +
          "false`.",
      ),
    next: NextFrame.optional(),
  })
  .openapi("Analysis");

export type AnalysisBody = z.infer<typeof Analysis>;

export const AnalyzeQuery = z.object({
  landmarks: z
    .enum(["0", "1", "true", "false"])
    .optional()
    .transform((v) => v === "1" || v === "true")
    .openapi({
      param: { name: "landmarks", in: "query" },
      description: "1 to include the 478 landmarks of each face.",
    }),
});

/** 8 to 128 characters: letters, digits, and . _ : - (a UUID fits). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;
/** X-Capture-Time: whole ms since the Unix epoch, or with a fraction (performance.timeOrigin + performance.now()). */
export const CAPTURE_TIME_PATTERN = /^\d{10,16}(\.\d{1,6})?$/;

export const SessionHeaders = z.object({
  "X-Session-Id": z
    .string()
    .regex(SESSION_ID_PATTERN)
    .optional()
    .openapi({ param: { in: "header" }, description: "Session to follow over time: 8-128 of A-Z a-z 0-9 . _ : -" }),
  "X-Capture-Time": z
    .string()
    .regex(CAPTURE_TIME_PATTERN)
    .optional()
    .openapi({
      param: { in: "header" },
      description:
        "When the client captured the frame, ms since the Unix epoch (a fraction is rounded to the ms). " +
        "Defaults to arrival time.",
    }),
  "X-Frame-Crop": z
    .string()
    .optional()
    .openapi({
      param: { in: "header" },
      example: "318.5,231.25,305.1,-0.0421,640,480",
      description:
        "The image is a face crop, as asked in the previous answer's `next.crop`: " +
        "centerX,centerY,size,rotation,frameWidth,frameHeight (frame pixels, radians). The image must be square. " +
        "Needs X-Session-Id. Crop pixel (u, v) of an S x S image shows the frame point centre + R(rotation)((u - " +
        "S/2) size/S, (v - S/2) size/S). Bad geometry: 400 invalid_crop.",
    }),
});

export const Health = z.object({ status: z.literal("ok") }).openapi("Health");
export const Readiness = z
  .object({
    status: z.enum(["ready", "loading"]),
    workers: z.object({
      size: z.number().int(),
      ready: z.number().int(),
      busy: z.number().int(),
      queued: z.number().int(),
      restarts: z.number().int(),
      recycled: z.number().int(),
    }),
    sessions: z
      .object({ store: z.enum(["memory", "redis"]), available: z.boolean(), reason: z.string().optional() })
      .describe(
        "The session store. Its state does not decide readiness: while Redis is down frames are still analysed and " +
          "answered (their session says it is unavailable), and every instance shares the same Redis, so taking them " +
          "out of rotation would help nobody.",
      ),
  })
  .openapi("Readiness");
