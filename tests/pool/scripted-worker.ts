/**
 * A worker for the pool's own tests: it does what each job says (answer, fail, break, crash, hang), so the pool's
 * queueing, deadlines and replacement can be driven exactly. The analysis worker is tested over HTTP.
 */
import { serveJobs } from "../../src/pool/serve-jobs";

type Script =
  | { action: "echo"; value: number }
  | { action: "grow" }
  | { action: "busy"; ms: number }
  | { action: "fail" }
  | { action: "break" }
  | { action: "crash" }
  | { action: "hang" };

let grown = false;

serveJobs<Script, number>(async () => ({
  info: { kind: "scripted" },
  // A worker that was told to "grow" (as a decoder does on a huge frame) asks to be replaced.
  shouldRetire: () => grown,
  handle(job) {
    switch (job.action) {
      case "grow":
        grown = true;
        return 1;
      case "echo":
        return job.value;
      case "busy": {
        const until = performance.now() + job.ms;
        while (performance.now() < until);
        return job.ms;
      }
      case "fail":
        throw Object.assign(new Error("bad input"), { code: "corrupt_image" });
      case "break":
        // What EngineFailure looks like to serveJobs: the worker's own machinery is broken.
        throw Object.assign(new Error("runtime out of heap"), { fatal: true });
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: process.exit does not return
      case "crash":
        process.exit(3);
      case "hang":
        for (;;);
    }
  },
}));
