/**
 * CPU per call of several ways of doing the same work in this thread, measured in alternating rounds so that the
 * machine's drift falls on every way: one uncounted warm-up round of `warmUpCalls` calls each way, then `rounds`
 * rounds of `calls` calls each way, in the order the ways are given. CPU is the whole process's (user + system,
 * process.cpuUsage), so work a call leaves to helper threads (garbage collection) is counted too. A call may
 * return stage timings (milliseconds by name); their sums over the counted calls come back beside the CPU.
 */
export interface WayTotals {
  cpuMs: number;
  calls: number;
  /** Each returned stage timing, summed over the counted calls. */
  stagesMs: Record<string, number>;
}

type StageTimings = Record<string, number>;
type Call = () => StageTimings | void | Promise<StageTimings | void>;

export async function alternatingRounds<W extends string>(
  ways: Record<W, Call>,
  { rounds, calls, warmUpCalls }: { rounds: number; calls: number; warmUpCalls: number },
): Promise<Record<W, WayTotals>> {
  const names = Object.keys(ways) as W[];
  const totals = Object.fromEntries(names.map((w) => [w, { cpuMs: 0, calls: 0, stagesMs: {} }])) as Record<
    W,
    WayTotals
  >;
  for (let round = -1; round < rounds; round++) {
    for (const way of names) {
      const counted = round >= 0;
      const n = counted ? calls : warmUpCalls;
      const stages: StageTimings = {};
      const before = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        let timings = ways[way]();
        // Only an asynchronous way pays for an await.
        if (timings instanceof Promise) timings = await timings;
        if (timings) for (const stage in timings) stages[stage] = (stages[stage] ?? 0) + timings[stage];
      }
      const used = process.cpuUsage(before);
      if (!counted) continue;
      const t = totals[way];
      t.cpuMs += (used.user + used.system) / 1000;
      t.calls += n;
      for (const stage in stages) t.stagesMs[stage] = (t.stagesMs[stage] ?? 0) + stages[stage];
    }
  }
  return totals;
}
