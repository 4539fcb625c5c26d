import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (`getconf CLK_TCK`, 100 on Linux). */
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const PAGE_KB = Number(execFileSync('getconf', ['PAGESIZE']).toString().trim()) / 1024 || 4;

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in ticks: the process and its reaped children. */
  readonly ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const num = (i: number) => Number(fields[i - 3]);
    return { pid, ppid: num(4), ticks: num(14) + num(15) + num(16) + num(17) };
  } catch {
    return undefined; // exited between readdir and read
  }
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.push(stat);
  }
  return stats;
}

/** The roots and every live descendant. */
function treeOf(roots: readonly number[], stats: readonly ProcStat[]): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const out: ProcStat[] = [];
  const queue = roots.map((r) => byPid.get(r)).filter((s) => s !== undefined);
  while (queue.length > 0) {
    const s = queue.shift()!;
    out.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

/**
 * CPU seconds used so far by the process trees under `roots`. Children that exited were reaped
 * into their parent's cutime/cstime, so the sum over the live tree counts them too, as long as
 * their parent is in the tree (Postfix's master reaps its daemons).
 */
export function cpuSeconds(roots: readonly number[]): number {
  return treeOf(roots, allStats()).reduce((sum, s) => sum + s.ticks, 0) / CLK_TCK;
}

/** Resident memory of the process trees under `roots`, in MiB: RSS summed over processes. */
export function rssMiB(roots: readonly number[]): number {
  let kb = 0;
  for (const s of treeOf(roots, allStats())) {
    try {
      const resident = Number(readFileSync(`/proc/${s.pid}/statm`, 'latin1').split(' ')[1]);
      kb += resident * PAGE_KB;
    } catch {
      // exited
    }
  }
  return kb / 1024;
}

/** Samples the RSS of named process trees until stopped; keeps each one's peak, in MiB. */
export interface MemorySampler {
  stop(): Record<string, number>;
}

export function sampleMemory(
  groups: Record<string, readonly number[]>,
  intervalMs = 200,
): MemorySampler {
  const peaks: Record<string, number> = {};
  const sample = () => {
    for (const [name, roots] of Object.entries(groups)) {
      peaks[name] = Math.max(peaks[name] ?? 0, rssMiB(roots));
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peaks };
    },
  };
}
