/**
 * Whether this process is the single binary (`bun build --compile`): its entry point then lives in the binary's
 * embedded file system (`/$bunfs/` on Unix, `B:/~BUN/` on Windows), and to run Vigil again one runs the binary
 * itself rather than `bun` with a script.
 */
export function isCompiledBinary(): boolean {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
}
