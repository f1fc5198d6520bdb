/**
 * Task polling with a deadline: GET Task/{id}/info until success or error, as a follower that
 * yields each change or as one awaited call. A task that never finishes becomes one clear
 * task-timeout error naming the task, not a hang.
 */
import { VsphereError } from './errors';
import { faultText } from './http-errors';
import { TaskInfoSchema, type MoRef, type TaskInfo } from './schemas';
import type { VimApi } from './vim';

export interface WaitForTaskOptions {
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
  /** First poll interval; doubles up to maxPollIntervalMs (defaults 200 ms → 2 s). */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  onProgress?: (info: TaskInfo) => void;
  signal?: AbortSignal;
}

function describe(info: TaskInfo | undefined, task: MoRef): string {
  if (!info) return `task ${task.value}`;
  const target = info.entityName ?? info.entity?.value;
  return `task ${task.value} (${info.descriptionId}${target ? ` on ${target}` : ''})`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

export async function getTaskInfo(vim: VimApi, task: MoRef): Promise<TaskInfo> {
  return vim.getProperty(task, 'info', TaskInfoSchema);
}

/**
 * Follows a task: yields its TaskInfo each time its state or progress changes, the last one in
 * state success; a task that fails ends the iteration with a task-failed error, one that does not
 * finish in time with task-timeout. Polls with back-off (200 ms → 2 s by default).
 */
export async function* followTask(vim: VimApi, task: MoRef, opts: WaitForTaskOptions = {}): AsyncGenerator<TaskInfo, TaskInfo> {
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const deadline = Date.now() + timeoutMs;
  let interval = opts.pollIntervalMs ?? 200;
  const maxInterval = opts.maxPollIntervalMs ?? 2_000;
  let seen = '';
  for (;;) {
    const info = await getTaskInfo(vim, task);
    const mark = `${info.state}/${info.progress ?? ''}`;
    if (mark !== seen) {
      seen = mark;
      opts.onProgress?.(info);
      if (info.state !== 'error') yield info;
    }
    if (info.state === 'success') return info;
    if (info.state === 'error') {
      const fault = info.error?.fault;
      const message = info.error?.localizedMessage || (fault ? faultText(fault) : 'no error detail');
      throw new VsphereError({
        kind: 'task-failed',
        vcenter: vim.vcenter,
        call: describe(info, task),
        cause: `failed: ${message}`,
        faultType: fault?._typeName,
        taskId: task.value,
      });
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new VsphereError({
        kind: 'task-timeout',
        vcenter: vim.vcenter,
        call: describe(info, task),
        cause: `did not finish within ${Math.round(timeoutMs / 100) / 10} s (still ${info.state}${info.progress !== undefined ? `, ${info.progress}%` : ''})`,
        taskId: task.value,
      });
    }
    await sleep(Math.min(interval, remaining), opts.signal);
    interval = Math.min(interval * 2, maxInterval);
  }
}

/** Resolves with the final TaskInfo on success; rejects with task-failed or task-timeout. */
export async function waitForTask(vim: VimApi, task: MoRef, opts: WaitForTaskOptions = {}): Promise<TaskInfo> {
  const follower = followTask(vim, task, opts);
  for (;;) {
    const step = await follower.next();
    if (step.done) return step.value;
  }
}
