/** Task: the info of a running or recently finished task (tasks.ts keeps them). */
import { defineManagedObject } from './managed-object';

export const task = defineManagedObject({
  type: 'Task',
  exists: (ctx, id) => ctx.tasks.has(id),
  properties: { info: (ctx, id) => ctx.tasks.info(id) },
  boxTypes: { 'info.state': 'TaskInfoState' },
});
