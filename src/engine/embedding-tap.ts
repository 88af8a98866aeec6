/**
 * The landmark model's output tensors, read straight from the bytes the ImageEmbedder's graph hands over,
 * instead of through the bundle's own protobuf classes.
 *
 * Why: on every landmark pass the bundle deserialises the result (an EmbeddingResult proto of 1,869 floats)
 * into frozen jspb message objects and copies each tensor into a plain array, which then has to become a
 * Float32Array: about 0.7 ms of CPU in a 7.6 ms face-crop frame, with the garbage it leaves (measured:
 * bench/results/embedding-reader.md). Reading the proto's wire format with @bufbuild/protobuf's BinaryReader
 * straight into Float32Arrays costs little beside that.
 *
 * How: the bundle's graph runner keeps one listener per output stream in its WASM module's
 * `simpleListeners` map (vision_bundle.mjs: `t.j.simpleListeners[e]=r`). The tap puts itself in front of
 * the embedder's listener: it reads the tensors from the bytes, then hands the bundle's listener an empty
 * result so that it still does its own bookkeeping (the latest output timestamp, which the next call's
 * input timestamp must exceed). The tap is found by the shape of the objects, not by minified names, and is
 * only used after it has read one real result exactly as the bundle does (`tapEmbeddings`); a bundle that
 * looks different keeps the bundle's own path.
 */
import type { ImageEmbedder } from "@mediapipe/tasks-vision";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

// Field numbers of mediapipe/tasks/cc/components/containers/proto/embeddings.proto.
const RESULT_EMBEDDINGS = 1; // EmbeddingResult.embeddings: repeated Embedding
const EMBEDDING_FLOAT = 1; // Embedding.float_embedding: FloatEmbedding (one of float or quantized)
const FLOAT_VALUES = 1; // FloatEmbedding.values: repeated float, packed

/** The float tensors of an EmbeddingResult's wire bytes, in the order of its embeddings (one per head). */
export function readFloatEmbeddings(bytes: Uint8Array): Float32Array[] {
  const tensors: Float32Array[] = [];
  const result = new BinaryReader(bytes);
  while (result.pos < result.len) {
    const [field, wireType] = result.tag();
    if (field !== RESULT_EMBEDDINGS || wireType !== WireType.LengthDelimited) {
      result.skip(wireType, field);
      continue;
    }
    const embedding = new BinaryReader(result.bytes());
    let values: Float32Array = new Float32Array(0);
    while (embedding.pos < embedding.len) {
      const [field, wireType] = embedding.tag();
      if (field === EMBEDDING_FLOAT && wireType === WireType.LengthDelimited)
        values = readFloatValues(embedding.bytes());
      else embedding.skip(wireType, field);
    }
    tensors.push(values);
  }
  return tensors;
}

/** FloatEmbedding.values: packed as one length-delimited run, or (as parsers must also accept) one by one. */
function readFloatValues(bytes: Uint8Array): Float32Array {
  const reader = new BinaryReader(bytes);
  const chunks: Float32Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === FLOAT_VALUES && wireType === WireType.LengthDelimited) {
      const packed = new BinaryReader(reader.bytes());
      const run = new Float32Array(packed.len / 4);
      for (let i = 0; i < run.length; i++) run[i] = packed.float();
      chunks.push(run);
    } else if (field === FLOAT_VALUES && wireType === WireType.Bit32) {
      chunks.push(Float32Array.of(reader.float()));
    } else {
      reader.skip(wireType, field);
    }
  }
  if (chunks.length === 1) return chunks[0];
  const values = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    values.set(chunk, at);
    at += chunk.length;
  }
  return values;
}

/** Runs the embedder on an image and returns its float tensors. */
export type EmbedTensors = (image: ImageData) => Float32Array[];

type ProtoListener = (bytes: Uint8Array, timestamp: number) => void;

/** The embedder's own path: the bundle's result objects, copied into Float32Arrays. */
export function bundleEmbedTensors(embedder: ImageEmbedder): EmbedTensors {
  return (image) => embedder.embed(image).embeddings.map((e) => Float32Array.from(e.floatEmbedding ?? []));
}

/**
 * The tapped path for `embedder` (see the top of this file), checked on `probe`: its tensors must equal the
 * bundle's own for the same call, value for value. Falls back to `bundleEmbedTensors` when the bundle's
 * objects do not have the expected shape or the check fails; `tapped` says which one is in use.
 */
export function tapEmbeddings(
  embedder: ImageEmbedder,
  probe: ImageData,
  stream = "embeddings_out",
): { embed: EmbedTensors; tapped: boolean } {
  const bundle = bundleEmbedTensors(embedder);
  const listeners = findListeners(embedder);
  const original = listeners?.[stream];
  if (!listeners || typeof original !== "function") return { embed: bundle, tapped: false };
  const bundleListener = original as ProtoListener;
  const noResult = new Uint8Array(0);
  let latest: Float32Array[] | null = null;
  let checking = true;
  listeners[stream] = (bytes: Uint8Array, timestamp: number) => {
    latest = readFloatEmbeddings(bytes);
    bundleListener(checking ? bytes : noResult, timestamp);
  };
  const expected = bundle(probe);
  const read = latest as Float32Array[] | null;
  checking = false;
  if (!read || !sameTensors(read, expected)) {
    listeners[stream] = bundleListener;
    return { embed: bundle, tapped: false };
  }
  return {
    embed: (image) => {
      latest = null;
      embedder.embed(image);
      if (!latest) throw new Error("the landmark model's result did not reach the embedding tap");
      return latest;
    },
    tapped: true,
  };
}

/** The graph runner's map of output-stream listeners: an own property of the runner's WASM module. */
function findListeners(embedder: ImageEmbedder): Record<string, unknown> | null {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  const runner = Object.values(embedder).find((v) => isObject(v) && typeof v.attachProtoListener === "function");
  if (!isObject(runner)) return null;
  const module = Object.values(runner).find((v) => isObject(v) && isObject(v.simpleListeners));
  return isObject(module) ? (module.simpleListeners as Record<string, unknown>) : null;
}

function sameTensors(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  return (
    a.length === b.length && a.every((t, i) => t.length === b[i].length && t.every((v, j) => Object.is(v, b[i][j])))
  );
}
