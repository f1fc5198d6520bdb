/**
 * Polling intervals, deadlines and staleness, from the environment (lib/config). Shared by the
 * worker and by the web routes that say how fresh the stored data is.
 */
import type { PollKind } from './backoff';

export interface PollSettings {
  vcenterIntervalMs: number;
  kmsIntervalMs: number;
  vcenterTimeoutMs: number;
  kmsTimeoutMs: number;
  staleAfterMs: number;
}

export function pollSettingsFromEnv(env: {
  KEYWATCH_POLL_VCENTER_S: number;
  KEYWATCH_POLL_KMS_S: number;
  KEYWATCH_POLL_VCENTER_TIMEOUT_S: number;
  KEYWATCH_POLL_KMS_TIMEOUT_S: number;
  KEYWATCH_DATA_STALE_S: number;
}): PollSettings {
  return {
    vcenterIntervalMs: env.KEYWATCH_POLL_VCENTER_S * 1000,
    kmsIntervalMs: env.KEYWATCH_POLL_KMS_S * 1000,
    vcenterTimeoutMs: env.KEYWATCH_POLL_VCENTER_TIMEOUT_S * 1000,
    kmsTimeoutMs: env.KEYWATCH_POLL_KMS_TIMEOUT_S * 1000,
    staleAfterMs: env.KEYWATCH_DATA_STALE_S * 1000,
  };
}

// OpenStack clouds follow the vCenter pace: both are inventory reads of a whole estate.
export const intervalOf = (s: PollSettings, kind: PollKind): number => (kind === 'kms' ? s.kmsIntervalMs : s.vcenterIntervalMs);
export const timeoutOf = (s: PollSettings, kind: PollKind): number => (kind === 'kms' ? s.kmsTimeoutMs : s.vcenterTimeoutMs);
/** A target is stale after the limit, or after three of its intervals if those are longer. */
export const staleAfterOf = (s: PollSettings, kind: PollKind): number => Math.max(s.staleAfterMs, 3 * intervalOf(s, kind));
/** The lease outlives the read's deadline by enough to commit what was read. */
export const leaseMsOf = (s: PollSettings, kind: PollKind): number => timeoutOf(s, kind) + 60_000;

/** The staleness limit per target kind, as the read APIs and DATA_STALE apply it. */
export function staleAfterFromEnv(env: Parameters<typeof pollSettingsFromEnv>[0]): (kind: PollKind) => number {
  const settings = pollSettingsFromEnv(env);
  return (kind) => staleAfterOf(settings, kind);
}
