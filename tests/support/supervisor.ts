/**
 * `vigil serve --processes 2` started by `command` (the TypeScript entry or the single binary), sharing sessions
 * through the given Redis, with the supervisor's output (its own lines and its children's) read as it comes.
 */
export class Supervisor {
  output = "";
  url = "";
  readonly process: ReturnType<typeof Bun.spawn<"ignore", "pipe", "inherit">>;
  private outputEnded = false;

  constructor(
    command: string[],
    options: { redisUrl: string; instanceId: string; cwd?: string; env?: Record<string, string> },
  ) {
    const flags = ["--processes", "2", "--workers", "1", "--port", "0", "--auth", "none"];
    const shared = ["--redis-url", options.redisUrl, "--instance-id", options.instanceId];
    const limits = ["--rate-limit-per-second", "1000", "--rate-limit-per-principal-per-second", "1000"];
    const child = Bun.spawn([...command, "serve", ...flags, ...shared, ...limits, "--log-requests", "false"], {
      cwd: options.cwd,
      env: options.env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
    });
    this.process = child;
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) this.output += decoder.decode(chunk, { stream: true });
      this.outputEnded = true;
    })();
  }

  /** Both children have loaded their models; `url` is the shared port's. */
  async ready(): Promise<this> {
    await this.waitFor(/all workers ready/, 2);
    this.url = `http://127.0.0.1:${this.output.match(/on port (\d+)/)![1]}`;
    return this;
  }

  /** How many times `pattern` has matched the output so far. */
  count(pattern: RegExp): number {
    return (this.output.match(new RegExp(pattern, "g")) ?? []).length;
  }

  /** Waits until `pattern` has matched `count` times in the output. */
  async waitFor(pattern: RegExp, count: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(pattern) < count) {
      if (this.outputEnded) throw new Error(`the parent exited; output:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} x${count}; output:\n${this.output}`);
      await Bun.sleep(20);
    }
  }

  childPids(): number[] {
    return [...this.output.matchAll(/process \d started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  }
}
