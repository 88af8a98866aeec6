import { framePlanSettings } from "../../src/session/frame-plan";
import { DEFAULT_SESSION_RULES } from "../../src/session/session-config";

/**
 * Frame-plan settings with re-detection every 3 s (never stretched), tracking within 3 s, 192 px crops and
 * pacing on, the default session rules; `change` overrides any of it. The session-store tests and bench use it.
 */
export const planSettingsEvery3s = (change: Partial<Parameters<typeof framePlanSettings>[0]> = {}) =>
  framePlanSettings({
    redetectEveryMs: 3000,
    redetectMaxEveryMs: 3000,
    trackingMaxGapMs: 3000,
    faceCropSize: 192,
    pacing: true,
    sessionRules: DEFAULT_SESSION_RULES,
    ...change,
  });
