/**
 * TFLite Model Metadata for the legacy MediaPipe models, so the MediaPipe Tasks graphs accept them.
 *
 * The Tasks image preprocessing refuses a float input tensor without NormalizationOptions and an image
 * colour space; the models in the npm packages predate metadata. The metadata itself (a "M001"
 * flatbuffer, metadata_schema.fbs) is built with the `flatbuffers` library. Attaching it to the model
 * needs byte-level work: the model's root table must gain a `metadata` entry and a new buffer, and there
 * is no generated TypeScript for the TFLite model schema to rebuild the whole model with (nor would we
 * want to re-serialise megabytes of weights). Flatbuffer offsets only point forward, so we insert a new
 * root table plus new `buffers` and `metadata` vectors right after the 8-byte header and point the rest of
 * the new root's fields at the untouched old objects. Shifting the old content by a multiple of 16 keeps
 * every old object valid (offsets are relative) and aligned.
 */
import { Builder, ByteBuffer } from "flatbuffers";

export interface ImageInputMetadata {
  name: string;
  description: string;
  version: string;
  /** Per-channel normalisation: input = (pixel - mean) / std. */
  mean: number[];
  std: number[];
}

// Field slots (index in the table's vtable) from tensorflow/lite/schema/schema.fbs and
// tensorflow_lite_support/metadata/metadata_schema.fbs.
const MODEL = {
  version: 0,
  operatorCodes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadataBuffer: 5,
  metadata: 6,
  signatureDefs: 7,
} as const;
const MODEL_FIELD_COUNT = 8;
const METADATA_NAME = "TFLITE_METADATA";
const CONTENT_PROPERTIES_IMAGE = 2;
const COLOR_SPACE_RGB = 1;
const PROCESS_UNIT_NORMALIZATION = 1;

/** Builds the ModelMetadata flatbuffer for a model with one RGB image input. */
export function buildImageInputMetadata(meta: ImageInputMetadata): Uint8Array {
  const b = new Builder(512);
  const floats = (values: number[]) => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
    return b.endVector();
  };
  const offsets = (values: number[]) => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addOffset(values[i]);
    return b.endVector();
  };
  // NormalizationOptions { mean: [float], std: [float] }
  const mean = floats(meta.mean);
  const std = floats(meta.std);
  b.startObject(2);
  b.addFieldOffset(0, mean, 0);
  b.addFieldOffset(1, std, 0);
  const normalization = b.endObject();
  // ProcessUnit { options_type, options }
  b.startObject(2);
  b.addFieldInt8(0, PROCESS_UNIT_NORMALIZATION, 0);
  b.addFieldOffset(1, normalization, 0);
  const processUnit = b.endObject();
  // ImageProperties { color_space }
  b.startObject(2);
  b.addFieldInt8(0, COLOR_SPACE_RGB, 0);
  const imageProperties = b.endObject();
  // Content { content_properties_type, content_properties }
  b.startObject(3);
  b.addFieldInt8(0, CONTENT_PROPERTIES_IMAGE, 0);
  b.addFieldOffset(1, imageProperties, 0);
  const content = b.endObject();
  // TensorMetadata { name, content, process_units }
  const tensorName = b.createString("image");
  const processUnits = offsets([processUnit]);
  b.startObject(7);
  b.addFieldOffset(0, tensorName, 0);
  b.addFieldOffset(3, content, 0);
  b.addFieldOffset(4, processUnits, 0);
  const tensor = b.endObject();
  // SubGraphMetadata { input_tensor_metadata }
  const inputs = offsets([tensor]);
  b.startObject(9);
  b.addFieldOffset(2, inputs, 0);
  const subgraph = b.endObject();
  // ModelMetadata { name, description, version, subgraph_metadata }
  const name = b.createString(meta.name);
  const description = b.createString(meta.description);
  const version = b.createString(meta.version);
  const subgraphs = offsets([subgraph]);
  b.startObject(8);
  b.addFieldOffset(0, name, 0);
  b.addFieldOffset(1, description, 0);
  b.addFieldOffset(2, version, 0);
  b.addFieldOffset(3, subgraphs, 0);
  const root = b.endObject();
  b.finish(root, "M001");
  return b.asUint8Array().slice();
}

/** metadata_schema.fbs ColorSpaceType, by value. */
const COLOR_SPACES = ["UNKNOWN", "RGB", "GRAYSCALE"] as const;
export type ColorSpace = (typeof COLOR_SPACES)[number];

export interface ReadImageInputMetadata extends ImageInputMetadata {
  colorSpace: ColorSpace;
}

/** What a model's TFLITE_METADATA says (name, description, version, normalisation, colour space). */
export function readModelMetadata(model: Uint8Array): ReadImageInputMetadata {
  const metadata = extractModelMetadata(model);
  if (!metadata) throw new Error("the model has no TFLITE_METADATA");
  return readImageInputMetadata(metadata);
}

/** Reads back a ModelMetadata flatbuffer as buildImageInputMetadata writes it (first input tensor only). */
export function readImageInputMetadata(metadata: Uint8Array): ReadImageInputMetadata {
  const bb = new ByteBuffer(metadata);
  if (bb.getBufferIdentifier() !== "M001") throw new Error("not a TFLite metadata flatbuffer (identifier is not M001)");
  const root = bb.readInt32(bb.position()) + bb.position();
  const subgraph = vectorTables(bb, root, 3)[0];
  const tensor = vectorTables(bb, subgraph, 2)[0];
  const content = tableField(bb, tensor, 3);
  const imageProperties = tableField(bb, content, 1);
  const colorSpaceOffset = bb.__offset(imageProperties, 4);
  const normalization = tableField(bb, vectorTables(bb, tensor, 4)[0], 1);
  return {
    name: stringField(bb, root, 0),
    description: stringField(bb, root, 1),
    version: stringField(bb, root, 2),
    colorSpace: COLOR_SPACES[colorSpaceOffset ? bb.readInt8(imageProperties + colorSpaceOffset) : 0] ?? "UNKNOWN",
    mean: floatVector(bb, normalization, 0),
    std: floatVector(bb, normalization, 1),
  };
}

const vtableSlot = (field: number) => 4 + 2 * field;

function tableField(bb: ByteBuffer, table: number, field: number): number {
  const offset = bb.__offset(table, vtableSlot(field));
  if (!offset) throw new Error(`table field ${field} is absent`);
  return bb.__indirect(table + offset);
}

function vectorTables(bb: ByteBuffer, table: number, field: number): number[] {
  const offset = bb.__offset(table, vtableSlot(field));
  if (!offset) return [];
  const start = bb.__vector(table + offset);
  return Array.from({ length: bb.__vector_len(table + offset) }, (_, i) => bb.__indirect(start + 4 * i));
}

function stringField(bb: ByteBuffer, table: number, field: number): string {
  const offset = bb.__offset(table, vtableSlot(field));
  return offset ? (bb.__string(table + offset) as string) : "";
}

function floatVector(bb: ByteBuffer, table: number, field: number): number[] {
  const offset = bb.__offset(table, vtableSlot(field));
  if (!offset) return [];
  const start = bb.__vector(table + offset);
  return Array.from({ length: bb.__vector_len(table + offset) }, (_, i) => bb.readFloat32(start + 4 * i));
}

/** The model's metadata entries and buffers, as absolute positions in the file. */
export function readModelTables(model: Uint8Array) {
  const bb = new ByteBuffer(model);
  if (bb.getBufferIdentifier() !== "TFL3") throw new Error("not a TFLite model (identifier is not TFL3)");
  const root = bb.readInt32(0);
  const buffers = vectorTables(bb, root, MODEL.buffers);
  const metadata = vectorTables(bb, root, MODEL.metadata).map((table) => {
    const bufferOffset = bb.__offset(table, vtableSlot(1));
    return { name: stringField(bb, table, 0), buffer: bufferOffset ? bb.readUint32(table + bufferOffset) : 0 };
  });
  const bufferData = (index: number): Uint8Array => {
    const table = buffers[index];
    const offset = bb.__offset(table, vtableSlot(0));
    if (!offset) return new Uint8Array(0);
    const start = bb.__vector(table + offset);
    return model.subarray(start, start + bb.__vector_len(table + offset));
  };
  return { bb, root, buffers, metadata, bufferData };
}

// schema.fbs TensorType, by value.
const TENSOR_TYPES = [
  "FLOAT32",
  "FLOAT16",
  "INT32",
  "UINT8",
  "INT64",
  "STRING",
  "BOOL",
  "INT16",
  "COMPLEX64",
  "INT8",
  "FLOAT64",
];
const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2 } as const;
const TENSOR = { shape: 0, type: 1, buffer: 2, name: 3 } as const;

export interface TensorInfo {
  /** Index in the subgraph's tensor list. */
  index: number;
  name: string;
  shape: number[];
  type: string;
  /** Index of the model buffer holding its data (0 = none, as for activations). */
  buffer: number;
}

/** The first subgraph's tensors: all of them, and the model inputs and outputs in the model's order. */
export function listTensors(model: Uint8Array): { inputs: TensorInfo[]; outputs: TensorInfo[]; all: TensorInfo[] } {
  const { bb, root } = readModelTables(model);
  const subgraph = vectorTables(bb, root, MODEL.subgraphs)[0];
  if (subgraph === undefined) throw new Error("the model has no subgraph");
  const all = vectorTables(bb, subgraph, SUBGRAPH.tensors).map((tensor, index): TensorInfo => {
    const typeOffset = bb.__offset(tensor, vtableSlot(TENSOR.type));
    const bufferOffset = bb.__offset(tensor, vtableSlot(TENSOR.buffer));
    const typeValue = typeOffset ? bb.readInt8(tensor + typeOffset) : 0;
    return {
      index,
      name: stringField(bb, tensor, TENSOR.name),
      shape: intVector(bb, tensor, TENSOR.shape),
      type: TENSOR_TYPES[typeValue] ?? `type ${typeValue}`,
      buffer: bufferOffset ? bb.readUint32(tensor + bufferOffset) : 0,
    };
  });
  const pick = (field: number) => intVector(bb, subgraph, field).map((i) => all[i]);
  return { inputs: pick(SUBGRAPH.inputs), outputs: pick(SUBGRAPH.outputs), all };
}

function intVector(bb: ByteBuffer, table: number, field: number): number[] {
  const offset = bb.__offset(table, vtableSlot(field));
  if (!offset) return [];
  const start = bb.__vector(table + offset);
  return Array.from({ length: bb.__vector_len(table + offset) }, (_, i) => bb.readInt32(start + 4 * i));
}

/** The TFLITE_METADATA flatbuffer of a model, or null when it has none. */
export function extractModelMetadata(model: Uint8Array): Uint8Array | null {
  const { metadata, bufferData } = readModelTables(model);
  const entry = metadata.find((m) => m.name === METADATA_NAME);
  return entry ? bufferData(entry.buffer) : null;
}

/** Returns a copy of `model` whose root table also lists `metadata` as its TFLITE_METADATA. */
export function attachModelMetadata(model: Uint8Array, metadata: Uint8Array): Uint8Array {
  const { bb, root, buffers, metadata: oldMetadata } = readModelTables(model);
  if (oldMetadata.some((m) => m.name === METADATA_NAME)) throw new Error("the model already has TFLITE_METADATA");
  // The new root is written with the 8 fields this code knows; a newer schema's extra root field would be
  // dropped silently, so refuse instead.
  const rootFieldCount = (bb.readUint16(root - bb.readInt32(root)) - 4) / 2;
  for (let field = MODEL_FIELD_COUNT; field < rootFieldCount; field++) {
    if (bb.__offset(root, vtableSlot(field)))
      throw new Error(`the model's root table has field ${field}, which this splice does not know`);
  }
  const fieldPosition = (field: number) => {
    const offset = bb.__offset(root, vtableSlot(field));
    return offset ? root + offset : 0;
  };
  const fieldTarget = (field: number) => {
    const position = fieldPosition(field);
    return position ? position + bb.readUint32(position) : 0;
  };
  const oldMetadataTables = vectorTables(bb, root, MODEL.metadata);

  // The inserted block, laid out at absolute file positions from 8. References to old objects are
  // resolved once the block's size (the shift) is known.
  const block = new BlockWriter(8);
  const references: Array<{ at: number; target: () => number }> = [];
  const toOld = (oldPosition: number) => () => oldPosition + block.shift;

  // New root table: vtable, then soffset and one 4-byte slot per field (all fields are 4 bytes wide).
  block.align(4);
  const vtable = block.position;
  block.u16(4 + 2 * MODEL_FIELD_COUNT);
  block.u16(4 + 4 * MODEL_FIELD_COUNT);
  const present = (field: number) => field === MODEL.buffers || field === MODEL.metadata || fieldPosition(field) !== 0;
  for (let field = 0; field < MODEL_FIELD_COUNT; field++) block.u16(present(field) ? 4 + 4 * field : 0);
  block.align(4);
  const newRoot = block.position;
  block.i32(newRoot - vtable);
  const slots = Array.from({ length: MODEL_FIELD_COUNT }, () => block.reserve32());
  if (fieldPosition(MODEL.version)) block.set32(slots[MODEL.version], bb.readUint32(fieldPosition(MODEL.version)));
  for (const field of [
    MODEL.operatorCodes,
    MODEL.subgraphs,
    MODEL.description,
    MODEL.metadataBuffer,
    MODEL.signatureDefs,
  ]) {
    const target = fieldTarget(field);
    if (target) references.push({ at: slots[field], target: toOld(target) });
  }

  // metadata: the old entries plus ours.
  const metadataVector = block.vectorOfReferences(oldMetadataTables.length + 1);
  for (const [i, table] of oldMetadataTables.entries())
    references.push({ at: metadataVector.slots[i], target: toOld(table) });
  const entryVtable = block.position;
  block.u16(8); // vtable size: 2 fields
  block.u16(12); // table size
  block.u16(4); // name
  block.u16(8); // buffer
  const entry = block.position;
  block.i32(entry - entryVtable);
  const entryName = block.reserve32();
  block.set32(block.reserve32(), buffers.length); // our buffer comes after the old ones
  const nameString = block.string(METADATA_NAME);
  references.push({ at: entryName, target: () => nameString });
  references.push({ at: metadataVector.slots[oldMetadataTables.length], target: () => entry });
  references.push({ at: slots[MODEL.metadata], target: () => metadataVector.position });

  // buffers: the old ones plus one holding the metadata flatbuffer.
  const buffersVector = block.vectorOfReferences(buffers.length + 1);
  for (const [i, table] of buffers.entries()) references.push({ at: buffersVector.slots[i], target: toOld(table) });
  const bufferVtable = block.position;
  block.u16(6); // vtable size: 1 field
  block.u16(8); // table size
  block.u16(4); // data
  block.align(4);
  const buffer = block.position;
  block.i32(buffer - bufferVtable);
  const bufferData = block.reserve32();
  // The nested flatbuffer is read in place, so give its bytes 16-byte alignment.
  while ((block.position + 4) % 16) block.u8(0);
  const dataVector = block.position;
  block.u32(metadata.length);
  block.bytes(metadata);
  references.push({ at: bufferData, target: () => dataVector });
  references.push({ at: buffersVector.slots[buffers.length], target: () => buffer });
  references.push({ at: slots[MODEL.buffers], target: () => buffersVector.position });

  block.padTo(16);
  block.shift = block.length;
  for (const reference of references) block.set32(reference.at, reference.target() - reference.at);

  const out = new Uint8Array(model.length + block.length);
  out.set(model.subarray(0, 8), 0);
  out.set(block.toBytes(), 8);
  out.set(model.subarray(8), 8 + block.length);
  new DataView(out.buffer).setUint32(0, newRoot, true);
  return out;
}

/** Little-endian bytes laid out at absolute positions starting at `origin`. */
class BlockWriter {
  private data: number[] = [];
  shift = 0;
  constructor(private readonly origin: number) {}
  get position(): number {
    return this.origin + this.data.length;
  }
  get length(): number {
    return this.data.length;
  }
  u8(value: number): void {
    this.data.push(value & 0xff);
  }
  u16(value: number): void {
    this.data.push(value & 0xff, (value >>> 8) & 0xff);
  }
  u32(value: number): void {
    this.data.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }
  i32(value: number): void {
    this.u32(value >>> 0);
  }
  bytes(values: Uint8Array): void {
    for (const v of values) this.data.push(v);
  }
  align(n: number): void {
    while (this.position % n) this.data.push(0);
  }
  padTo(n: number): void {
    while (this.data.length % n) this.data.push(0);
  }
  reserve32(): number {
    const at = this.position;
    this.u32(0);
    return at;
  }
  set32(at: number, value: number): void {
    const i = at - this.origin;
    const v = value >>> 0;
    this.data[i] = v & 0xff;
    this.data[i + 1] = (v >>> 8) & 0xff;
    this.data[i + 2] = (v >>> 16) & 0xff;
    this.data[i + 3] = (v >>> 24) & 0xff;
  }
  string(text: string): number {
    this.align(4);
    const at = this.position;
    const encoded = new TextEncoder().encode(text);
    this.u32(encoded.length);
    this.bytes(encoded);
    this.u8(0);
    return at;
  }
  vectorOfReferences(count: number): { position: number; slots: number[] } {
    this.align(4);
    const position = this.position;
    this.u32(count);
    return { position, slots: Array.from({ length: count }, () => this.reserve32()) };
  }
  toBytes(): Uint8Array {
    return Uint8Array.from(this.data);
  }
}
