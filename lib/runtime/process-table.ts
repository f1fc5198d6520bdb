import { readdirSync, readFileSync } from 'node:fs';

/**
 * The operating system's view of processes on this machine: whether a pid is alive, and (Linux
 * /proc) the processes below one — for checks that `npm start` leaves nothing behind and for
 * memory figures.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** argv joined by spaces. */
  command: string;
  rssBytes: number;
  /** CPU seconds used (utime + stime), and by its children it has waited for (cutime + cstime). Assumes USER_HZ = 100. */
  cpuSeconds: number;
  reapedChildrenCpuSeconds: number;
}

function readProcess(pid: number): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    // Fields from the state on: utime [11], stime [12], cutime [13], cstime [14], in clock ticks.
    const ticks = (i: number) => Number(fields[i]) / 100;
    return { pid, ppid: Number(fields[1]), command, rssBytes: rssKb * 1024, cpuSeconds: ticks(11) + ticks(12), reapedChildrenCpuSeconds: ticks(13) + ticks(14) };
  } catch {
    return null; // gone while we looked
  }
}

/** `root` and every process below it (children, grandchildren, …), root first. */
export function processTree(root: number): ProcessInfo[] {
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProcess(Number(entry)))
    .filter((info): info is ProcessInfo => info !== null);
  const byParent = new Map<number, ProcessInfo[]>();
  for (const info of all) byParent.set(info.ppid, [...(byParent.get(info.ppid) ?? []), info]);
  const rootInfo = all.find((info) => info.pid === root);
  if (!rootInfo) return [];
  const tree = [rootInfo];
  for (let i = 0; i < tree.length; i += 1) tree.push(...(byParent.get(tree[i]!.pid) ?? []));
  return tree;
}
