/**
 * The open-loop load generator (generator.ts) kept running for a whole series of steps: its users stay from one
 * step to the next, as a real server's do, so a step measures N users who have been there (plus the ones it
 * adds), not N clients restarting together (open-loop.ts says what that restart cost). Used by the load bench
 * (run-load.ts) and the processes comparison (bench/experiments/processes.ts).
 */
import { linesOf } from "../lib/lines";
import type { LoadResult } from "./generator";

const repo = new URL("../../", import.meta.url).pathname;

/** One generator process (generator.ts with `series`), fed one step at a time. */
export class GeneratorSeries {
  private readonly child;
  private readonly lines: AsyncGenerator<string>;
  private readonly stderr: Promise<string>;

  constructor(scenario: Record<string, unknown>) {
    this.child = Bun.spawn(
      [process.execPath, "bench/load/generator.ts", JSON.stringify({ ...scenario, series: true })],
      { cwd: repo, stdin: "pipe", stdout: "pipe", stderr: "pipe" },
    );
    this.lines = linesOf(this.child.stdout);
    this.stderr = new Response(this.child.stderr).text();
  }

  /** One step's result; `onMeasuring` is called when its counted seconds begin. */
  async step(
    step: { users: number; seconds: number; settleSeconds: number; arrivalWindowMs?: number },
    onMeasuring: () => void = () => {},
  ): Promise<LoadResult> {
    this.child.stdin.write(`${JSON.stringify(step)}\n`);
    this.child.stdin.flush();
    for (;;) {
      const { value: line, done } = await this.lines.next();
      if (done)
        throw new Error(
          `the load generator ended during a step (exit ${await this.child.exited}): ${(await this.stderr).slice(-500)}`,
        );
      if (line === "measuring") onMeasuring();
      else if (line.startsWith("{")) return JSON.parse(line);
    }
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    const code = await this.child.exited;
    if (code !== 0) throw new Error(`the load generator exited ${code}: ${(await this.stderr).slice(-500)}`);
  }
}
