/**
 * `importScripts` as in a classic worker, for scripts the host has already bundled.
 *
 * The bundle loads the WASM runtime's loader with `importScripts(wasmLoaderPath)` (vision_bundle.mjs,
 * `async function jh(t){...importScripts(t.toString())...}`) and then expects `self.ModuleFactory` to be
 * set. Vigil bundles the loader itself (so it also lives inside the single binary), so "importing" one of
 * its URLs means running the registered function that re-arms those globals. An unknown URL is refused with
 * an error naming it: nothing is ever loaded from the network or the disk here.
 */
export type PreloadedScripts = ReadonlyMap<string, () => void>;

export function createImportScripts(preloaded: PreloadedScripts) {
  return function importScripts(...urls: Array<string | URL>): void {
    for (const url of urls) {
      const run = preloaded.get(String(url));
      if (!run) throw new Error(`importScripts(${String(url)}): not one of the scripts this process bundles`);
      run();
    }
  };
}
