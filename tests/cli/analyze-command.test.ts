import { describe, expect, test } from "bun:test";
import { parseAnalyzeArgs } from "../../src/cli/analyze-args";
import { outputOf } from "../support/process-output";

const repo = new URL("../../", import.meta.url).pathname;

async function vigil(...args: string[]) {
  const child = Bun.spawn([process.execPath, "src/main.ts", ...args], { cwd: repo, stdout: "pipe", stderr: "pipe" });
  return outputOf(child);
}

describe("parseAnalyzeArgs", () => {
  test("--help and -h ask for help, wherever they are", () => {
    expect(parseAnalyzeArgs(["--help"])).toEqual({ help: true });
    expect(parseAnalyzeArgs(["photo.jpg", "-h"])).toEqual({ help: true });
  });
  test("files and --landmarks", () => {
    expect(parseAnalyzeArgs(["a.jpg", "--landmarks", "b.png"])).toEqual({
      help: false,
      landmarks: true,
      files: ["a.jpg", "b.png"],
    });
  });
  test("after -- everything is a file, even --help", () => {
    expect(parseAnalyzeArgs(["--", "--help"])).toEqual({ help: false, landmarks: false, files: ["--help"] });
  });
  test("an unknown option, or no file, is an error that says so", () => {
    expect(parseAnalyzeArgs(["--landmark", "a.jpg"])).toEqual({
      error: expect.stringContaining("unknown option --landmark"),
    });
    expect(parseAnalyzeArgs(["--landmarks"])).toEqual({ error: expect.stringContaining("no file given") });
  });
});

describe("vigil analyze", () => {
  test("--help prints the command's usage and exits 0 without treating it as a file", async () => {
    const { stdout, code } = await vigil("analyze", "--help");
    expect(code).toBe(0);
    expect(stdout).toContain("usage: vigil analyze");
    expect(stdout).not.toContain('"file"');
  });
  test("an unknown option exits 2 with the usage on stderr", async () => {
    const { stdout, stderr, code } = await vigil("analyze", "--bogus", "tests/fixtures/grace_hopper.jpg");
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option --bogus");
    expect(stdout).toBe("");
  });
  test("a real photo is still analysed (one JSON line, one face)", async () => {
    const { stdout, code } = await vigil("analyze", "tests/fixtures/grace_hopper.jpg");
    expect(code).toBe(0);
    const line = JSON.parse(stdout.trim());
    expect(line.file).toBe("tests/fixtures/grace_hopper.jpg");
    expect(line.person).toEqual({ present: true, count: 1 });
  }, 30_000);
});
