#!/usr/bin/env bun
/**
 * Vigil's command line: names the commands and hands each its arguments (src/cli/).
 *   vigil serve [--port 8080 ...]        start the HTTP service (options: vigil serve --help)
 *   vigil analyze [--landmarks] FILE...  analyse photos (JPEG, PNG, WebP) and print one JSON line each
 *   vigil new-key | hash-key KEY         API keys for VIGIL_API_KEY_HASHES
 *   vigil jwt-token --sub SUBJECT        an HS256 token for local testing of VIGIL_AUTH=jwt
 */
import { analyzeCommand } from "./cli/analyze";
import { JWT_TOKEN_USAGE, jwtTokenCommand } from "./cli/jwt-token";
import { hashKeyCommand, newKeyCommand } from "./cli/keys";
import { serveCommand } from "./cli/serve";
import { ConfigError } from "./config";

const USAGE = `usage:
  vigil serve [options]               start the HTTP service (vigil serve --help lists the options)
  vigil analyze [--landmarks] FILE... print the analysis of each photo as JSON (vigil analyze --help)
  vigil new-key                       make a random API key and print it with its sha256 (for VIGIL_API_KEY_HASHES)
  vigil hash-key KEY                  print an existing key's sha256
  ${JWT_TOKEN_USAGE}
                                      print an HS256 token from VIGIL_JWT_* (local testing of VIGIL_AUTH=jwt)
  vigil --help`;

/**
 * Each command, given the arguments after its name. A number is the exit status to end with; nothing lets the
 * process end by itself (a server keeps it running).
 */
type Command = (args: string[]) => Promise<number | undefined | void> | number | undefined | void;
const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  analyze: analyzeCommand,
  "new-key": newKeyCommand,
  "hash-key": (args) => (args[0] ? hashKeyCommand(args[0]) : usage("hash-key")),
  "jwt-token": jwtTokenCommand,
};

/** Prints the usage; exit status 0 when it was asked for. */
function usage(command: string | undefined): number {
  console.log(USAGE);
  return command === "--help" || command === "-h" ? 0 : 2;
}

const [command, ...rest] = process.argv.slice(2);
try {
  const run = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : () => usage(command);
  const status = await run(rest);
  if (typeof status === "number") process.exit(status);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
