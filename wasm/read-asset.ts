/**
 * Reads a file imported with `with { type: "file" }`: a path on disk in development, a path inside the
 * executable's embedded file system in a `bun build --compile` binary, and a path next to the bundle when
 * built for Node with `bun build --target=node`. `node:fs` reads all three.
 */
import { readFile } from "node:fs/promises";

export async function readAsset(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
}
