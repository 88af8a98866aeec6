/**
 * The legacy MediaPipe solution packages pack several files into one `.data` blob; the index of what lies
 * where is a list of `{"filename": ..., "start": ..., "end": ...}` records inside the generated loader
 * script (Emscripten's file packager). Read it from there so a repacked package cannot silently shift us.
 */
export interface PackedAsset {
  filename: string;
  start: number;
  end: number;
}

const RECORD = /"filename"\s*:\s*"([^"]+)"\s*,\s*"start"\s*:\s*(\d+)\s*,\s*"end"\s*:\s*(\d+)/g;

export function parsePackedAssetIndex(loaderSource: string): PackedAsset[] {
  return Array.from(loaderSource.matchAll(RECORD), (m) => ({ filename: m[1], start: Number(m[2]), end: Number(m[3]) }));
}

/** The index entry of the packed file called `name` (or ending in `/name`); throws naming what the index does hold. */
export function findPackedAsset(index: readonly PackedAsset[], name: string): PackedAsset {
  const entry = index.find((e) => e.filename === name || e.filename.endsWith("/" + name));
  if (!entry) {
    throw new Error(
      `packed asset ${name} is not in the index (it lists: ${index.map((e) => e.filename).join(", ") || "nothing"})`,
    );
  }
  return entry;
}

/** The bytes of the packed file called `name`, checked against the size of the data file. */
export function extractPackedAsset(data: Uint8Array, index: readonly PackedAsset[], name: string): Uint8Array {
  const entry = findPackedAsset(index, name);
  if (entry.start < 0 || entry.end > data.length || entry.end <= entry.start) {
    throw new Error(`packed asset ${name} claims bytes ${entry.start}..${entry.end} of a ${data.length}-byte file`);
  }
  return data.subarray(entry.start, entry.end);
}
