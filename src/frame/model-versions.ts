/** The models' identities as the API reports them, from the build manifest (wasm/build-models.ts). */
import { modelManifest } from "../../wasm/models";

interface ManifestModel {
  file: string;
  source: { package: string; version: string; path: string };
  output: { sha256: string };
}

let versions: Record<string, { name: string; source: string; sha256: string }> | undefined;

export function modelVersions() {
  versions ??= Object.fromEntries(
    Object.entries((modelManifest as { models?: Record<string, ManifestModel> }).models ?? {}).map(([role, model]) => [
      role,
      {
        name: model.file,
        source: `${model.source.package}@${model.source.version}/${model.source.path}`,
        sha256: model.output.sha256,
      },
    ]),
  );
  return versions;
}
