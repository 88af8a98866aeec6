/**
 * MediaPipe's canonical face model, read straight from the npm package: the 468-vertex neutral face and the
 * weighted landmark basis of its face geometry pipeline, from geometry_pipeline_metadata_landmarks.binarypb
 * inside @mediapipe/face_mesh's packed assets. Test support only; the runtime keeps the 33 basis points it
 * needs as constants (src/analysis/canonical-face.ts), checked against this.
 *
 * The file is a GeometryPipelineMetadata protobuf (mediapipe/modules/face_geometry/protos): field 1 the
 * canonical Mesh3d (vertex_type, primitive_type, vertex_buffer as x, y, z, u, v per vertex, index_buffer),
 * field 2 the repeated procrustes_landmark_basis {landmark_id = 1, weight = 2}. A dozen lines of protobuf
 * wire format read it; a protobuf library would need the .proto files, which the package does not ship.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Vec3 } from "../../src/analysis/geometry";
import { extractPackedAsset, parsePackedAssetIndex } from "../../wasm/packed-assets";

type Field = { field: number; varint?: number; float?: number; bytes?: Uint8Array };

function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let i = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = buf[i++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  while (i < buf.length) {
    const key = varint();
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === 0) out.push({ field, varint: varint() });
    else if (wireType === 5) {
      out.push({ field, float: view.getFloat32(i, true) });
      i += 4;
    } else if (wireType === 2) {
      const length = varint();
      out.push({ field, bytes: buf.subarray(i, i + length) });
      i += length;
    } else throw new Error(`unexpected protobuf wire type ${wireType}`);
  }
  return out;
}

export interface CanonicalModel {
  /** 468 mesh vertices in centimetres: X to the subject's left, Y up, Z towards the camera. */
  vertices: Vec3[];
  basis: { index: number; weight: number }[];
}

let cached: CanonicalModel | undefined;

export function canonicalModel(): CanonicalModel {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve("@mediapipe/face_mesh/package.json"));
  const data = new Uint8Array(readFileSync(join(dir, "face_mesh_solution_packed_assets.data")));
  const index = parsePackedAssetIndex(readFileSync(join(dir, "face_mesh_solution_packed_assets_loader.js"), "utf8"));
  const top = readFields(extractPackedAsset(data, index, "geometry_pipeline_metadata_landmarks.binarypb"));
  const mesh = readFields(top.find((f) => f.field === 1)!.bytes!);
  const floats = mesh.filter((f) => f.field === 3).map((f) => f.float!);
  const vertices = Array.from({ length: floats.length / 5 }, (_, i) => ({
    x: floats[i * 5],
    y: floats[i * 5 + 1],
    z: floats[i * 5 + 2],
  }));
  const basis = top
    .filter((f) => f.field === 2)
    .map((f) => {
      const ref = readFields(f.bytes!);
      return { index: ref.find((r) => r.field === 1)?.varint ?? 0, weight: ref.find((r) => r.field === 2)?.float ?? 0 };
    });
  cached = { vertices, basis };
  return cached;
}
