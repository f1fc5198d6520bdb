/**
 * Runs the worker's jobs (lib/worker/jobs/*), each on its own timer. A job whose run throws
 * (typically: the database is restarting) is retried with exponential back-off and jitter instead
 * of taking the worker down; a success brings it back to its normal pace.
 */
import os from 'node:os';
import type { KeywatchEnv } from '../config/env';
import { getEnv } from '../config/server-env';
import type { PrismaClient } from '../db/client';
import type { Logger } from '../logging/logger';
import { RowCache } from '../poller/cycle';
import { pollSettingsFromEnv, type PollSettings } from '../poller/settings';
import { describeFailure } from '../poller/failure';
import { getSecretBox, type SecretBox } from '../secrets/keyring';
import { campaignsJob } from './jobs/campaigns';
import { evaluateAlertsJob } from './jobs/evaluate-alerts';
import { notifyJob } from './jobs/notify';
import { pollKmsProvidersJob } from './jobs/poll-kms-providers';
import { pollOpenstackJob } from './jobs/poll-openstack';
import { pollVcentersJob } from './jobs/poll-vcenters';
import { retentionJob } from './jobs/retention';

export interface JobContext {
  prisma: PrismaClient;
  logger: Logger;
  env: KeywatchEnv;
  box: SecretBox;
  workerId: string;
  now: () => Date;
  settings: PollSettings;
  cache: RowCache;
}

export interface ScheduledJob {
  name: string;
  everyMs: number;
  run(): Promise<void>;
  /** Waits for work the job started and has not finished (worker stopping). */
  drain?(): Promise<void>;
}

export type JobFactory = (ctx: JobContext) => ScheduledJob;

export const WORKER_JOBS: readonly JobFactory[] = [pollVcentersJob, pollKmsProvidersJob, pollOpenstackJob, evaluateAlertsJob, notifyJob, retentionJob, campaignsJob];

const MAX_RETRY_MS = 30_000;

export interface WorkerJobs {
  stop(): Promise<void>;
}

export function startWorkerJobs(
  prisma: PrismaClient,
  logger: Logger,
  options: { env?: KeywatchEnv; box?: SecretBox; workerId?: string; now?: () => Date; jobs?: readonly JobFactory[] } = {},
): WorkerJobs {
  const env = options.env ?? getEnv();
  // Opened on first use, not at start: under `npm start` the worker starts alongside the bootstrap
  // that creates the master key, and a job that finds no key yet fails and retries with back-off.
  let box = options.box;
  const ctx: JobContext = {
    prisma,
    logger,
    env,
    get box() {
      return (box ??= getSecretBox());
    },
    workerId: options.workerId ?? `${os.hostname()}:${process.pid}`,
    now: options.now ?? (() => new Date()),
    settings: pollSettingsFromEnv(env),
    cache: new RowCache(),
  };
  const jobs = (options.jobs ?? WORKER_JOBS).map((make) => make(ctx));
  let stopped = false;
  const wakers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      }
      wakers.add(done);
    });

  const loops = jobs.map(async (job) => {
    let failures = 0;
    while (!stopped) {
      try {
        await job.run();
        if (failures > 0) logger.info({ job: job.name, after: failures }, 'job recovered');
        failures = 0;
      } catch (err) {
        failures++;
        logger.error({ job: job.name, failures, reason: describeFailure(err, `Job ${job.name} failed`) }, 'job failed; retrying with back-off');
      }
      if (stopped) break;
      const wait = failures === 0 ? job.everyMs : Math.min(job.everyMs * 2 ** failures, MAX_RETRY_MS) * (0.8 + 0.4 * Math.random());
      await sleep(wait);
    }
  });
  logger.info({ jobs: jobs.map((j) => `${j.name}/${j.everyMs}ms`), workerId: ctx.workerId }, 'worker jobs started');
  return {
    async stop() {
      stopped = true;
      for (const wake of [...wakers]) wake();
      await Promise.all(loops);
      await Promise.all(jobs.map((j) => j.drain?.()));
    },
  };
}
