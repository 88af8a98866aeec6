/**
 * Server configuration: environment variables (VIGIL_*) overridden by command-line flags, validated with
 * zod at start. A bad value stops the start with a message naming the variable and what it must be.
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { thresholdsSchema } from "./analysis/thresholds";
import { loadJwksFile } from "./auth/jwks-file";
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
        for (const issue of parsed.error.issues)
          ctx.addIssue({ code: "custom", message: `${issue.path.join(".")}: ${issue.message}` });
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
    .describe("Analysis worker threads, each with its own copy of the models (about 58 MB). Default: one per core."),
  maxQueue: integer(0, 100_000)
    .optional()
    .describe(
      "Most frames that may wait for a worker (a bound on the memory they hold); one more is answered 503 at once. " +
        "Default: 16 per worker.",
    ),
  maxQueueWaitMs: integer(1, 60_000)
    .default(250)
    .describe(
      "A frame that would wait longer than this for a worker (frames ahead of it times the recent time per frame) is " +
        "answered 503 at once.",
    ),
  frameDeadlineMs: integer(10, 60_000)
    .default(1000)
    .describe("A frame that waited this long for a worker is dropped (503): an old frame is worthless."),
  jobTimeoutMs: integer(100, 600_000)
    .default(5000)
    .describe("A worker busy this long on one frame is considered hung and replaced."),
  maxBodyBytes: integer(1024, 512 * 1024 * 1024)
    .default(8 * 1024 * 1024)
    .describe("Largest request body, enforced while reading (413)."),
  maxImagePixels: integer(1, 1_000_000_000)
    .default(16_000_000)
    .describe(
      "Largest declared width x height accepted before decoding (413). Webcam frames are at most 2 MP; 16 MP admits " +
        "phone photos.",
    ),
  maxImageSide: integer(1, 100_000)
    .default(10_000)
    .describe("Largest declared width or height accepted before decoding (413)."),
  inferenceMaxSide: integer(128, 100_000)
    .default(1280)
    .describe(
      "Frames larger than this on their long side are scaled down before inference; the detector sees 128 px (192 px " +
        "at full range) and the landmark crop 192 px, so nothing is lost.",
    ),
  workerRecycleHeapMb: integer(16, 4096)
    .default(96)
    .describe(
      "A worker whose models' WASM heaps (two detectors and the landmark model) together grew past this is replaced " +
        "after answering: those heaps never shrink. They hold 58 MB after loading and 62 MB after a 1280x1280 frame, " +
        "so with the default VIGIL_INFERENCE_MAX_SIDE this never triggers; it matters when larger frames are " +
        "analysed whole.",
    ),
  engineHeapMb: integer(64, 2048)
    .default(512)
    .describe(
      "Most memory each model's WASM heap in a worker may grow to (MB; the runtime's own limit is 2048). A frame " +
        "that would need more fails with 503 and its worker is replaced: after a failed allocation the runtime is " +
        "unusable. Default frames need under 100.",
    ),
  maxFaces: integer(1, 10).default(2).describe("Most faces analysed per frame."),
  shutdownGraceMs: integer(0, 600_000)
    .default(10_000)
    .describe("On SIGTERM, how long in-flight frames may take to finish before exit."),
  thresholds: jsonOption(thresholdsSchema, '{"eyes":{"closedBelow":0.25}}').describe(
    "Measure thresholds as JSON (see docs/thresholds.md); unspecified ones keep their defaults.",
  ),
  sessionRules: jsonOption(sessionRulesSchema, '{"asleepAfterMs":8000}').describe(
    "Session state definitions as JSON (see docs/sessions.md); unspecified ones keep their defaults.",
  ),
  maxSessions: integer(1, 10_000_000)
    .default(10_000)
    .describe("Sessions held in memory (without VIGIL_REDIS_URL); the least recently used is forgotten to make room."),
  sessionIdleTtlMs: integer(1000, 86_400_000)
    .default(300_000)
    .describe("A session with no frame for this long is forgotten."),
  trackingMaxGapMs: integer(0, 60_000)
    .default(3000)
    .describe(
      "A session's next frame reuses its last face position (skipping the detector) if it comes within this time " +
        "(plus whatever load-aware pacing added to its gap).",
    ),
  redetectEveryMs: integer(0, 600_000)
    .default(3000)
    .describe(
      "While a session's face is tracked, the detector runs again this long after a detection that changed something " +
        "(a face came or went, or its presence dropped); each detection confirming the same, steady face doubles the " +
        "interval, up to VIGIL_REDETECT_MAX_EVERY_MS.",
    ),
  redetectMaxEveryMs: integer(0, 600_000)
    .default(10_000)
    .describe(
      "The longest a tracked session goes without the detector (never less than VIGIL_REDETECT_EVERY_MS): a second " +
        "person coming into view is found within this plus one frame interval (under load-aware pacing, up to twice " +
        "this).",
    ),
  faceCropSize: integer(0, 1024)
    .refine((v) => v === 0 || v >= 64, "must be 0 (never ask for face crops) or 64-1024")
    .default(192)
    .describe(
      "Side of the face crop a tracked session's answer asks the client to send instead of the full frame " +
        "(next.crop); 0 never asks for crops. 192 is the landmark model's input: the whole crop is its input, so a " +
        "larger one only costs bytes.",
    ),
  pacing: boolFlag
    .default(true)
    .describe(
      "Adaptive pacing: the answer's next.nextFrameAfterMs is 2 s while a state is steady (focused and calm for 10 " +
        "s, or away for 10 s), else 1 s (src/session/pacing.ts). false: always 1 s.",
    ),
  loadPacing: boolFlag
    .default(true)
    .describe(
      "Load-aware pacing (with VIGIL_PACING): as the workers get busy, answers ask steady sessions (focused and " +
        "calm, or away, for 10 s) for later frames, up to VIGIL_LOAD_PACING_MAX_MS (VIGIL_LOAD_PACING_OVERLOAD_MAX_MS " +
        "once frames are refused; an empty desk away for 10 s, twice that), and past half load calm sessions and " +
        "empty desks not yet steady too, up to the same ceiling (a desk empty since the session began, up to 2 s); " +
        "a new session's first answer spreads its next frame between 1 s and the ceiling; every next frame asked " +
        "for is booked, and a session that may be slowed whose moment is already full is asked for a later one " +
        "with room, up to the overload ceiling; and a new session's first frame may wait " +
        "VIGIL_NEW_SESSION_EXTRA_WAIT_MS longer for a worker, behind the frames of running sessions, or if refused " +
        "is told to come back when there is room for it. Sessions whose eyes close or whose state is changing keep " +
        "their pace (docs/sessions.md). false: the pace never depends on load.",
    ),
  loadPacingMaxMs: integer(1000, 10_000)
    .default(4000)
    .describe(
      "The slowest pace load-aware pacing asks of a session (next.nextFrameAfterMs), reached when the workers are " +
        "at their limit.",
    ),
  loadPacingOverloadMaxMs: integer(1000, 10_000)
    .default(8000)
    .describe(
      "The slowest pace in overload: once the workers refuse frames with calm sessions at VIGIL_LOAD_PACING_MAX_MS, " +
        "calm sessions are slowed past it, up to this when 3% of the frames of the last 10 s were refused (an empty " +
        "desk away for 10 s: twice this), and back to that ceiling over up to 50 s without a refusal; at or below " +
        "VIGIL_LOAD_PACING_MAX_MS: no overload tier. A frame refused in overload is given a Retry-After of as much " +
        "of this as the overload is full; a session in transition (eyes closing, a yawn, drowsy) goes ahead of the " +
        "queue instead.",
    ),
  newSessionExtraWaitMs: integer(0, 60_000)
    .default(5000)
    .describe(
      "With load-aware pacing: how much longer than VIGIL_MAX_QUEUE_WAIT_MS (and VIGIL_FRAME_DEADLINE_MS) a new " +
        "session's first frame may wait for a worker; frames of running sessions go ahead of it meanwhile. A " +
        "class of 100 starting at once is about 3 s of first frames for 2 workers.",
    ),
  // Where sessions live, and how many server processes share them (docs/sessions.md: Memory, Scale-out).
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, "must be a Redis URL: redis://host:port/db (rediss:// for TLS)")
    .optional()
    .describe(
      "Keep sessions in this Redis (redis://[user:password@]host:port/db) instead of in memory, so any instance or " +
        "process can serve any frame of a session. Unset: in memory.",
    ),
  redisTimeoutMs: integer(10, 10_000)
    .default(250)
    .describe("Longest wait for one Redis command; past it the frame is answered with its session marked unavailable."),
  processes: integer(1, 256)
    .default(1)
    .describe(
      "Server processes sharing the port (SO_REUSEPORT), each with VIGIL_WORKERS workers, supervised by this one. " +
        "More than 1 needs VIGIL_REDIS_URL: the processes must share their sessions.",
    ),
  auth: z
    .enum(["keys", "jwt", "none"])
    .default("keys")
    .describe(
      "keys: every /v1 request needs Authorization: Bearer <API key>. jwt: Authorization: Bearer <JWT>, its sub the " +
        "caller (VIGIL_JWT_*). none: no authentication, only for local use, and only when set explicitly.",
    ),
  apiKeyHashes: z
    .string()
    .default("")
    .transform((text) =>
      text
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine(
      (hashes) => hashes.every((h) => /^[0-9a-f]{64}$/.test(h)),
      "must be comma-separated sha256 hex digests (vigil hash-key KEY prints one)",
    )
    .describe("The accepted API keys, as sha256 hex digests, comma-separated (vigil hash-key KEY)."),
  jwtSecret: z
    .string()
    .min(32, "must be at least 32 characters (a 256-bit HS256 secret, e.g. openssl rand -base64 32)")
    .optional()
    .describe("With auth=jwt: the HS256 secret tokens are signed with. Or VIGIL_JWKS_FILE, not both."),
  jwksFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      "With auth=jwt: a JWKS JSON file of the public keys tokens are signed with (RS256: RSA >= 2048 bits; ES256: EC " +
        "P-256). Or VIGIL_JWT_SECRET, not both.",
    ),
  jwtAudience: z
    .string()
    .min(1)
    .optional()
    .describe("With auth=jwt (required): the aud a token must carry, e.g. vigil."),
  jwtIssuer: z
    .string()
    .min(1)
    .optional()
    .describe("With auth=jwt (required): the iss a token must carry, e.g. https://study.example.org."),
  jwtClockToleranceSeconds: integer(0, 300)
    .default(30)
    .describe("With auth=jwt: leeway for exp and nbf against this server's clock, for clocks slightly apart."),
  corsOrigins: z
    .string()
    .default("")
    .transform((text) =>
      text
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine(
      (origins) =>
        origins.every(
          (o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(o) || /^chrome-extension:\/\/[a-p]{32}$/.test(o),
        ),
      "must be comma-separated origins: https://host[:port] or chrome-extension://<32-letter id>",
    )
    .describe("Origins allowed to call the API from a browser (CORS), e.g. chrome-extension://<id>."),
  rateLimitPerSecond: integer(1, 10_000)
    .default(4)
    .describe(
      "Frames a second per session (X-Session-Id) of a caller; a caller's frames without a session share one such " +
        "allowance. More get 429. The extension sends one.",
    ),
  rateLimitPerPrincipalPerSecond: integer(1, 100_000)
    .default(40)
    .describe(
      "Frames a second per caller (API key, JWT sub; address with auth=none), all its sessions together: what stops " +
        "a client from multiplying its allowance with invented session ids. A key shared by N users needs about N " +
        "(at 1 frame/s each).",
    ),
  maxInFlightPerClient: integer(1, 10_000)
    .default(4)
    .describe(
      "Requests in flight at once per session of a caller (its requests without a session count as one session); " +
        "more get 429.",
    ),
  maxInFlightPerPrincipal: integer(1, 100_000)
    .default(16)
    .describe("Requests in flight at once per caller, all its sessions together; more get 429."),
  readTimeoutMs: integer(1000, 300_000)
    .default(10_000)
    .describe("A connection idle this long (a stalled or slow upload) is closed."),
  instanceId: z
    .string()
    .min(1)
    .max(64)
    .default(`vigil-${process.pid}`)
    .describe("Name of this instance, returned in X-Vigil-Instance (set to the pod name)."),
  demo: boolFlag
    .default(true)
    .describe(
      "Serve the live demo page at /demo (webcam preview, state, plots, landmarks; it calls the API like any client).",
    ),
  logRequests: boolFlag
    .default(true)
    .describe("One log line per request (method, route, status, time, request id; never image bytes or landmarks)."),
  logFormat: z
    .enum(["text", "json"])
    .default("text")
    .describe(
      "text: `<time> <message>` lines. json: one JSON object per line (time, level, requestId, route, status, " +
        "durationMs, instance, principal hash); see docs/operations.md.",
    ),
});

export type ServerConfig = z.infer<typeof serverConfigSchema> & { maxQueue: number };

/** Every option at its default: what `vigil serve` runs with when nothing is set (the analyze command shares them). */
export function defaultOptions(): z.infer<typeof serverConfigSchema> {
  return serverConfigSchema.parse({});
}

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
  if (parsed.data.auth === "keys" && parsed.data.apiKeyHashes.length === 0) {
    throw new ConfigError([
      `${envName("apiKeyHashes")}: no API keys configured. Set it (vigil hash-key KEY prints a key's hash), or set ` +
        `${envName("auth")}=none for local use.`,
    ]);
  }
  if (parsed.data.processes > 1 && !parsed.data.redisUrl) {
    throw new ConfigError([
      `${source.processes}: ${parsed.data.processes} processes need ${envName("redisUrl")} (or ` +
        `--${flagName("redisUrl")}): each process would hold its own sessions in memory, and a session's frames, ` +
        `spread over the processes, would each see part of its history.`,
    ]);
  }
  const authIssues = [...jwtIssues(parsed.data, source), ...limitIssues(parsed.data, source)];
  if (authIssues.length) throw new ConfigError(authIssues);
  return { ...parsed.data, maxQueue: parsed.data.maxQueue ?? parsed.data.workers * 16 };
}

type ParsedOptions = z.infer<typeof serverConfigSchema>;

/** With auth=jwt: exactly one key source (a readable, valid JWKS file), an audience and an issuer. */
function jwtIssues(options: ParsedOptions, source: Record<string, string>): string[] {
  const named = (option: string) => source[option] ?? envName(option);
  if (options.auth !== "jwt") return [];
  const issues: string[] = [];
  if (options.jwtSecret === undefined && options.jwksFile === undefined) {
    issues.push(
      `${envName("jwtSecret")} or ${envName("jwksFile")}: ${envName("auth")}=jwt needs the HS256 secret or a JWKS ` +
        `file of the signers' public keys`,
    );
  }
  if (options.jwtSecret !== undefined && options.jwksFile !== undefined) {
    issues.push(
      `${named("jwtSecret")} and ${named("jwksFile")} are both set; set one (HS256 secret, or RS256/ES256 public keys)`,
    );
  }
  if (options.jwksFile !== undefined) {
    try {
      loadJwksFile(options.jwksFile);
    } catch (error) {
      issues.push(`${named("jwksFile")}: ${(error as Error).message}`);
    }
  }
  for (const claim of ["jwtAudience", "jwtIssuer"] as const) {
    if (options[claim] === undefined)
      issues.push(
        `${envName(claim)}: ${envName("auth")}=jwt needs the ` +
          `${claim === "jwtAudience" ? "audience (aud)" : "issuer (iss)"} tokens must carry`,
      );
  }
  return issues;
}

/** A per-principal limit under the per-session one would make the per-session limit unreachable. */
function limitIssues(options: ParsedOptions, source: Record<string, string>): string[] {
  const named = (option: string) => source[option] ?? envName(option);
  const issues: string[] = [];
  if (options.rateLimitPerPrincipalPerSecond < options.rateLimitPerSecond) {
    issues.push(
      `${named("rateLimitPerPrincipalPerSecond")}: must be at least ${named("rateLimitPerSecond")} ` +
        `(${options.rateLimitPerSecond}), the rate of one session`,
    );
  }
  if (options.maxInFlightPerPrincipal < options.maxInFlightPerClient) {
    issues.push(
      `${named("maxInFlightPerPrincipal")}: must be at least ${named("maxInFlightPerClient")} ` +
        `(${options.maxInFlightPerClient}), the cap of one session`,
    );
  }
  return issues;
}

/** The options as a table, for `--help` and the README. */
export function describeOptions(): string {
  return Object.entries(serverConfigSchema.shape)
    .map(([option, schema]) => `  --${flagName(option)} / ${envName(option)}\n      ${schema.description ?? ""}`)
    .join("\n");
}
