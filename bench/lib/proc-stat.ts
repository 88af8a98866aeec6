/**
 * A process's counters from /proc/<pid>/stat (all its threads together), or one thread's from
 * /proc/<pid>/task/<tid>/stat: CPU time (the kernel counts clock ticks, USER_HZ = 100, so 10 ms each) and minor
 * page faults. The fields are read after the command name, which may itself hold spaces or ")" (proc(5)).
 */
import { readFileSync } from "node:fs";

const TICK_MS = 10;

export interface ProcStat {
  parentPid: number;
  minorFaults: number;
  userMs: number;
  systemMs: number;
  /** userMs + systemMs. */
  cpuMs: number;
}

export function procStat(pid: number | "self", thread?: number): ProcStat {
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, "utf8");
  // From the field after the name: 0 state, 1 ppid, ... 7 minflt, ... 11 utime, 12 stime.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userMs = Number(fields[11]) * TICK_MS;
  const systemMs = Number(fields[12]) * TICK_MS;
  return { parentPid: Number(fields[1]), minorFaults: Number(fields[7]), userMs, systemMs, cpuMs: userMs + systemMs };
}
