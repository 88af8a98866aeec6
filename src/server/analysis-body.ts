/**
 * The API's answer to a frame (schemas.ts, Analysis), made in one place from what the frame went through: the
 * analysis's outcome, the time it waited for a worker, and, within a session, the session's state and what
 * the client should send next.
 */
import type { FrameOutcome } from "../frame/frame-contract";
import type { NextFrame } from "../session/frame-plan";
import type { SessionAnswer } from "../session/session-frames";
import type { AnalysisBody } from "./schemas";

/** A frame after its analysis (and its session, if any): what the backend hands the HTTP side. */
export interface AnalyzedFrame {
  outcome: FrameOutcome;
  /** Time the frame waited for a free worker, ms. */
  queueMs: number;
  /** With X-Session-Id: the session's state. */
  session?: SessionAnswer;
  /** With X-Session-Id and a reachable store: what the client should send next. */
  next?: NextFrame;
}

/** The answer's body: the outcome without its internal tracking positions, the server's timings added. */
export function analysisBody({ outcome, queueMs, session, next }: AnalyzedFrame, totalMs: number): AnalysisBody {
  const { tracking: _tracking, ...analysis } = outcome;
  const body: AnalysisBody = { ...analysis, timings: { ...analysis.timings, queueMs, totalMs } };
  return session ? { ...body, session, next } : body;
}

/** True when A and B are the same type (each assignable to the other). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// The API schema and the analysis's own types must describe the same answer: a change to one without the other
// fails the type check here.
const schemaMatchesOutcome: Same<
  Omit<AnalysisBody, "timings" | "session" | "next">,
  Omit<FrameOutcome, "timings" | "tracking">
> = true;
const schemaMatchesTimings: Same<
  AnalysisBody["timings"],
  FrameOutcome["timings"] & { queueMs: number; totalMs: number }
> = true;
void schemaMatchesOutcome;
void schemaMatchesTimings;
