import { expect, test } from "bun:test";
import { ALLOCATOR_ENV, missingAllocatorEnv } from "../../src/cli/allocator-env";

const repo = new URL("../../", import.meta.url).pathname;

test("only the settings the environment does not name are missing; a value set by the user is kept, even the default", () => {
  expect(missingAllocatorEnv({})).toEqual({ ...ALLOCATOR_ENV });
  expect(missingAllocatorEnv({ MIMALLOC_PURGE_DELAY: "100" })).toBeNull();
  expect(missingAllocatorEnv({ MIMALLOC_PURGE_DELAY: "-1" })).toBeNull();
});

/** Starts `vigil serve` with this environment and returns its environment as the kernel sees it, and its pid. */
async function serverEnviron(env: Record<string, string>) {
  const child = Bun.spawn(
    [process.execPath, "src/main.ts", "serve", "--auth", "none", "--port", "0", "--workers", "1"],
    { cwd: repo, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdout: "pipe", stderr: "pipe" },
  );
  try {
    const reader = child.stdout.getReader();
    let output = "";
    while (!output.includes("listening on")) {
      const { value, done } = await reader.read();
      if (done) break;
      output += new TextDecoder().decode(value);
    }
    expect(output).toContain("listening on");
    return (await Bun.file(`/proc/${child.pid}/environ`).text()).split("\0");
  } finally {
    child.kill("SIGTERM");
    await child.exited;
  }
}

test("vigil serve started without the setting re-executes itself with it (the same process, so signals still reach it)", async () => {
  expect(await serverEnviron({})).toContain("MIMALLOC_PURGE_DELAY=1000");
}, 30_000);

test("vigil serve keeps a setting given to it", async () => {
  const environ = await serverEnviron({ MIMALLOC_PURGE_DELAY: "-1" });
  expect(environ).toContain("MIMALLOC_PURGE_DELAY=-1");
  expect(environ).not.toContain("MIMALLOC_PURGE_DELAY=1000");
}, 30_000);
