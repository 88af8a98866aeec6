/** The arguments of `vigil analyze`: options, then files; "--help" is an option, never a file name. */
export const ANALYZE_USAGE = `usage: vigil analyze [--landmarks] [--] FILE...
  Prints one JSON line per photo (JPEG, PNG, WebP): faces, eye and head measures, image quality.
  --landmarks  include the 478 landmarks of each face
  --help       this text
  --           everything after it is a file name, even when it starts with a dash`;

/** The analyze command's arguments: options first (or anywhere), files; after "--" only files. */
export function parseAnalyzeArgs(
  args: readonly string[],
): { help: true } | { help: false; landmarks: boolean; files: string[] } | { error: string } {
  let landmarks = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      files.push(...args.slice(i + 1));
      break;
    }
    if (arg === "--help" || arg === "-h") return { help: true };
    if (arg === "--landmarks") landmarks = true;
    else if (arg.startsWith("-") && arg !== "-")
      return { error: `vigil analyze: unknown option ${arg} (a file whose name starts with a dash goes after --)` };
    else files.push(arg);
  }
  if (files.length === 0) return { error: "vigil analyze: no file given" };
  return { help: false, landmarks, files };
}
