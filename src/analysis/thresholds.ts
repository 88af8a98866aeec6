/**
 * Every threshold of the per-frame measures, with its default and where the default comes from
 * (docs/thresholds.md has the longer story). Set them with VIGIL_THRESHOLDS='{"eyes":{"closedBelow":0.25}}'
 * or --thresholds; anything not given keeps its default.
 */
import { z } from "zod";

export const thresholdsSchema = z
  .object({
    eyes: z
      .object({
        earShut: z.number().min(0).max(1).default(0.1).describe("EAR of a shut eye (openness 0). MediaPipe's refined lids on closed eyes measure 0.05-0.12."),
        earOpen: z.number().min(0).max(1).default(0.28).describe("EAR of a normally open eye (openness 1); open eyes measure 0.25-0.35 (Soukupová & Čech 2016 report ~0.3)."),
        closedBelow: z.number().min(0).max(1).default(0.2).describe("Openness under which an eye is closed: at least 80% closed, the PERCLOS P80 criterion (Wierwille et al. 1994)."),
      })
      .prefault({}),
    gaze: z
      .object({
        maxYaw: z.number().min(0).max(180).default(30).describe("Head yaw (degrees) beyond which the user looks away; a laptop screen spans roughly ±20° at arm's length."),
        maxPitch: z.number().min(0).max(180).default(25).describe("Head pitch (degrees) beyond which the user looks away (e.g. down at a phone)."),
        maxIrisOffset: z.number().min(0).max(0.5).default(0.18).describe("Horizontal iris offset from the eye centre (0..0.5) beyond which the eyes aim off screen."),
      })
      .prefault({}),
    mouth: z
      .object({
        yawnAbove: z.number().min(0).max(5).default(0.6).describe("Inner-lip mouth aspect ratio over which the mouth is yawning; speech stays under ~0.4."),
      })
      .prefault({}),
    quality: z
      .object({
        darkBelow: z.number().min(0).max(255).default(40).describe("Mean face luma under which the frame is too dark to judge."),
        brightAbove: z.number().min(0).max(255).default(225).describe("Mean face luma over which the face is washed out."),
        blurryBelow: z.number().min(0).default(20).describe("Laplacian variance (96x96 grid) under which the face is too blurry; sharp fixture faces measure well above it."),
      })
      .prefault({}),
  })
  .prefault({});

export type Thresholds = z.infer<typeof thresholdsSchema>;

export const DEFAULT_THRESHOLDS: Thresholds = thresholdsSchema.parse({});
