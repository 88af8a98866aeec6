/**
 * Server configuration: environment variables (VIGIL_*) overridden by command-line flags, validated with
 * zod at start. A bad value stops the start with a message naming the variable and what it must be.
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { thresholdsSchema } from "./analysis/thresholds";
import { sessionRulesSchema } from "./session/session-config";

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A JSON option validated by `schema`, defaults for anything left out. */
function jsonOption<T extends z.ZodType>(schema: T, example: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx): z.infer<T> => {
      if (text === undefined) return schema.parse({});
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: "custom", message: `must be JSON, e.g. '${example}'` });
        return z.NEVER;
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: `${issue.path.join(".")}: ${issue.message}` });
        return z.NEVER;
      }
      return parsed.data;
    });
}

const boolFlag = z
  .union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no", "on", "off"])])
  .transform((v) => v === true || v === "1" || v === "true" || v === "yes" || v === "on");

export const serverConfigSchema = z.object({
  host: z.string().min(1).default("127.0.0.1").describe("Address to listen on (the Docker image sets 0.0.0.0)."),
  port: integer(0, 65535).default(8080).describe("TCP port; 0 picks a free one."),
  workers: integer(1, 256)
    .default(availableParallelism())
    .describe("Analysis worker threads, each with its own copy of the models (about 40 MB). Default: one per core."),
  maxQueue: integer(0, 100_000)
    .optional()
    .describe("Frames that may wait for a worker; one more is answered 503 at once. Default: 4 per worker."),
  frameDeadlineMs: integer(10, 60_000).default(1000).describe("A frame that waited this long for a worker is dropped (503): an old frame is worthless."),
  jobTimeoutMs: integer(100, 600_000).default(5000).describe("A worker busy this long on one frame is considered hung and replaced."),
  maxBodyBytes: integer(1024, 512 * 1024 * 1024).default(8 * 1024 * 1024).describe("Largest request body, enforced while reading (413)."),
  maxImagePixels: integer(1, 1_000_000_000).default(40_000_000).describe("Largest declared width x height accepted before decoding (413)."),
  maxImageSide: integer(1, 100_000).default(10_000).describe("Largest declared width or height accepted before decoding (413)."),
  inferenceMaxSide: integer(128, 100_000)
    .default(1280)
    .describe("Frames larger than this on their long side are scaled down before inference; the detector sees 128 px and the landmark crop 192 px, so nothing is lost."),
  maxFaces: integer(1, 10).default(2).describe("Most faces analysed per frame."),
  shutdownGraceMs: integer(0, 600_000).default(10_000).describe("On SIGTERM, how long in-flight frames may take to finish before exit."),
  thresholds: jsonOption(thresholdsSchema, '{"eyes":{"closedBelow":0.25}}').describe(
    "Measure thresholds as JSON (see docs/thresholds.md); unspecified ones keep their defaults.",
  ),
  sessionRules: jsonOption(sessionRulesSchema, '{"asleepAfterMs":8000}').describe(
    "Session state definitions as JSON (see docs/sessions.md); unspecified ones keep their defaults.",
  ),
  maxSessions: integer(1, 10_000_000).default(10_000).describe("Sessions held in memory; the least recently used is forgotten to make room."),
  sessionIdleTtlMs: integer(1000, 86_400_000).default(300_000).describe("A session with no frame for this long is forgotten."),
  trackingMaxGapMs: integer(0, 60_000)
    .default(3000)
    .describe("A session's next frame reuses its last face position (skipping the detector) if it comes within this time."),
  redetectEveryMs: integer(0, 600_000)
    .default(3000)
    .describe("While a session's face is tracked, the detector still runs this often, to notice someone else coming into view."),
  instanceId: z.string().min(1).max(64).default(`vigil-${process.pid}`).describe("Name of this instance, returned in X-Vigil-Instance (set to the pod name)."),
  logRequests: boolFlag.default(true).describe("One log line per request (method, path, status, time; never image bytes or landmarks)."),
});

export type ServerConfig = z.infer<typeof serverConfigSchema> & { maxQueue: number };

/** Environment variable of each option: VIGIL_ plus the option in SCREAMING_SNAKE_CASE. */
export function envName(option: string): string {
  return "VIGIL_" + option.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
}

/** Command-line flag of each option: the option in kebab-case. */
export function flagName(option: string): string {
  return option.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super("invalid configuration:\n" + issues.map((i) => "  - " + i).join("\n"));
    this.name = "ConfigError";
  }
}

export function loadServerConfig(argv: string[], env: Record<string, string | undefined>): ServerConfig {
  const options = Object.keys(serverConfigSchema.shape);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(options.map((o) => [flagName(o), { type: "string" as const }])),
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError([`${(error as Error).message} (see: vigil serve --help)`]);
  }
  const raw: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  for (const option of options) {
    const fromFlag = values[flagName(option)];
    const fromEnv = env[envName(option)];
    if (fromFlag !== undefined) {
      raw[option] = fromFlag;
      source[option] = `--${flagName(option)}`;
    } else if (fromEnv !== undefined && fromEnv !== "") {
      raw[option] = fromEnv;
      source[option] = envName(option);
    }
  }
  const parsed = serverConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const option = String(issue.path[0] ?? "");
        return `${source[option] ?? option}: ${issue.message}`;
      }),
    );
  }
  return { ...parsed.data, maxQueue: parsed.data.maxQueue ?? parsed.data.workers * 4 };
}

/** The options as a table, for `--help` and the README. */
export function describeOptions(): string {
  return Object.entries(serverConfigSchema.shape)
    .map(([option, schema]) => `  --${flagName(option)} / ${envName(option)}\n      ${schema.description ?? ""}`)
    .join("\n");
}
