/**
 * `--help` (or `-h`) for a bench command: prints the command's own header comment, which names its options,
 * and exits 0 before anything runs. Call it first in a command's module body.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export function exitOnHelp(meta: ImportMeta, argv = process.argv.slice(2)): void {
  if (!argv.some((arg) => arg === "--help" || arg === "-h")) return;
  const source = readFileSync(fileURLToPath(meta.url), "utf8");
  const header = source.match(/\/\*\*([\s\S]*?)\*\//)?.[1] ?? "";
  console.log(
    header
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n")
      .trim(),
  );
  process.exit(0);
}
