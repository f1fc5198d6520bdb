/**
 * vim25 Task objects of the lab vCenter: queued → running → success | error, with progress
 * while running and a LocalizedMethodFault on error. Finished tasks are kept for a while (as
 * vCenter's recent-tasks list does) so clients can still read their info.
 */
import { moRef, type LocalizedMethodFault, type MoRef, type TaskInfo } from '@/lib/vsphere/schemas';
import { localizedFault, VimFault } from './vim-fault';

interface LabTask {
  id: string;
  descriptionId: string;
  name: string;
  entity: MoRef;
  entityName: string;
  userName: string;
  state: TaskInfo['state'];
  queueTime: Date;
  startTime?: Date;
  completeTime?: Date;
  /** Expected duration, to report progress while running. */
  estimateMs: number;
  result?: unknown;
  error?: LocalizedMethodFault;
  eventChainId: number;
}

const MAX_KEPT_TASKS = 5000;

export class TaskManager {
  private readonly tasks = new Map<string, LabTask>();
  private next = 1000;
  private chain = 50_000;

  /** Starts `run` right away (after a short queue) and returns the Task reference. */
  start(opts: {
    descriptionId: string;
    name: string;
    entity: MoRef;
    entityName: string;
    userName: string;
    estimateMs: number;
    run: () => Promise<unknown>;
  }): MoRef {
    this.next += 1;
    this.chain += 1;
    const task: LabTask = {
      id: `task-${this.next}`,
      descriptionId: opts.descriptionId,
      name: opts.name,
      entity: opts.entity,
      entityName: opts.entityName,
      userName: opts.userName,
      state: 'queued',
      queueTime: new Date(),
      estimateMs: Math.max(1, opts.estimateMs),
      eventChainId: this.chain,
    };
    this.tasks.set(task.id, task);
    if (this.tasks.size > MAX_KEPT_TASKS) {
      const oldest = this.tasks.keys().next().value;
      if (oldest !== undefined) this.tasks.delete(oldest);
    }
    setImmediate(() => {
      task.state = 'running';
      task.startTime = new Date();
      opts
        .run()
        .then((result) => {
          task.result = result;
          task.state = 'success';
        })
        .catch((error: unknown) => {
          task.error = localizedFault(error);
          task.state = 'error';
        })
        .finally(() => {
          task.completeTime = new Date();
        });
    });
    return moRef('Task', task.id);
  }

  has(taskId: string): boolean {
    return this.tasks.has(taskId);
  }

  info(taskId: string): TaskInfo {
    const task = this.tasks.get(taskId);
    if (!task) throw new VimFault('NotFound', `Task ${taskId} does not exist.`);
    const info: TaskInfo = {
      _typeName: 'TaskInfo',
      key: task.id,
      task: moRef('Task', task.id),
      name: task.name,
      descriptionId: task.descriptionId,
      entity: task.entity,
      entityName: task.entityName,
      state: task.state,
      cancelled: false,
      cancelable: false,
      reason: { _typeName: 'TaskReasonUser', userName: task.userName } as TaskInfo['reason'],
      queueTime: task.queueTime.toISOString(),
      eventChainId: task.eventChainId,
    };
    if (task.startTime) info.startTime = task.startTime.toISOString();
    if (task.completeTime) info.completeTime = task.completeTime.toISOString();
    if (task.state === 'running' && task.startTime) {
      info.progress = Math.min(99, Math.floor(((Date.now() - task.startTime.getTime()) / task.estimateMs) * 100));
    }
    if (task.state === 'error' && task.error) info.error = task.error;
    if (task.state === 'success' && task.result !== undefined) info.result = task.result;
    return info;
  }

  summary(): { id: string; descriptionId: string; entity: string; state: TaskInfo['state']; error: string | null }[] {
    return [...this.tasks.values()].map((t) => ({
      id: t.id,
      descriptionId: t.descriptionId,
      entity: t.entity.value,
      state: t.state,
      error: t.error?.localizedMessage ?? null,
    }));
  }
}
