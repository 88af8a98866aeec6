/** `vigil analyze [--landmarks] FILE...`: analyse photos in this process and print one JSON line each. */
import { readFile } from "node:fs/promises";
import { defaultOptions } from "../config";
import { FrameAnalyzer } from "../frame/frame-analyzer";
import { ANALYZE_USAGE, parseAnalyzeArgs } from "./analyze-args";

/** Photos may be larger than the server's default frame limits (config.ts maxImagePixels, maxImageSide). */
const PHOTO_LIMITS = { maxPixels: 100_000_000, maxSide: 20_000 };

/** Exit status: 0 when every file was analysed, 1 when one failed, 2 for bad arguments. */
export async function analyzeCommand(args: string[]): Promise<number> {
  const parsed = parseAnalyzeArgs(args);
  if ("error" in parsed) {
    console.error(`${parsed.error}\n${ANALYZE_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(ANALYZE_USAGE);
    return 0;
  }
  const { landmarks, files } = parsed;
  const defaults = defaultOptions();
  const analyzer = await FrameAnalyzer.create({
    maxFaces: defaults.maxFaces,
    // Photos may be taken any way up; the cost of a second look matters less here than on a webcam stream.
    detectUpsideDown: true,
    limits: PHOTO_LIMITS,
    inferenceMaxSide: defaults.inferenceMaxSide,
    thresholds: defaults.thresholds,
  });
  let failures = 0;
  for (const file of files) {
    try {
      const { tracking: _tracking, ...result } = await analyzer.analyze(new Uint8Array(await readFile(file)), {
        landmarks,
      });
      console.log(JSON.stringify({ file, ...result }));
    } catch (error) {
      failures++;
      const e = error as { code?: string; message?: string };
      console.log(JSON.stringify({ file, error: { code: e.code ?? "failed", message: e.message ?? String(error) } }));
    }
  }
  analyzer.close();
  return failures ? 1 : 0;
}
