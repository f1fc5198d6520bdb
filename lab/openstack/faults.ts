/**
 * Faults of the lab cloud (POST /lab/faults on its Keystone port, one per request, zod-checked),
 * plus "restart cinder-volume / cinder-backup on host H", which runs Cinder's key migration for
 * that host's rows.
 */
import { z } from 'zod';
import { parseMicroversion } from '@/lib/openstack/config';
import { FIXED_KEY_ID } from '@/lib/openstack/schemas';
import { barbicanTime, type LabSecret } from './estate';
import type { LabCloudContext } from './context';
import { DEFAULT_FAULTS } from './model';
import { type MigrationResult } from './migration';

const on = z.boolean().default(true);
const serviceRef = { host: z.string().min(1), binary: z.enum(['cinder-volume', 'cinder-backup']).default('cinder-volume') };
/** Which secret: by id, or the key of a volume / backup (id or name). */
const secretRef = { secretId: z.string().min(1).optional(), volume: z.string().min(1).optional(), backup: z.string().min(1).optional() };
const oneSecret = (f: { secretId?: string; volume?: string; backup?: string }) => [f.secretId, f.volume, f.backup].filter((x) => x !== undefined).length === 1;
const oneSecretMessage = { message: 'give exactly one of secretId, volume, backup' };

export const openStackFaultSchema = z.discriminatedUnion('type', [
  /** refused: Barbican's port closes; http-503: the load balancer answers 503 with an HTML page. */
  z.object({ type: z.literal('barbican-down'), mode: z.enum(['refused', 'http-503']).default('refused') }),
  z.object({ type: z.literal('barbican-up') }),
  z.object({ type: z.literal('barbican-healthcheck-disabled'), on }),
  z.object({ type: z.literal('barbican-keystone-unreachable'), on }),
  z.object({ type: z.literal('barbican-backend-error'), on }),
  z.object({ type: z.literal('barbican-orders'), mode: z.enum(['ok', 'stuck-pending', 'error']) }),
  z.object({ type: z.literal('keystone-unavailable'), on }),
  z.object({ type: z.literal('catalog-key-manager'), state: z.enum(['present', 'absent', 'wrong-region']) }),
  z.object({ type: z.literal('delete-secret'), ...secretRef }).refine(oneSecret, oneSecretMessage),
  /** Sets the secret's expiration (default: one second ago, so it is expired: hidden and 404). */
  z.object({ type: z.literal('expire-secret'), ...secretRef, at: z.iso.datetime().optional() }).refine(oneSecret, oneSecretMessage),
  z
    .object({
      type: z.literal('secret-anomaly'),
      ...secretRef,
      status: z.enum(['ACTIVE', 'PENDING', 'ERROR']).optional(),
      secretType: z.string().min(1).optional(),
      bitLength: z.number().int().positive().optional(),
      /** Replaces the read ACL's users. */
      aclUsers: z.array(z.string()).optional(),
    })
    .refine(oneSecret, oneSecretMessage),
  /** The cinder service user's Barbican `creator` role in the service project. */
  z.object({ type: z.literal('cinder-creator-role'), present: z.boolean() }),
  /** down: the service stops and cannot start again (restarts fail) until `down: false`. */
  z.object({ type: z.literal('cinder-service'), ...serviceRef, down: z.boolean().optional(), disabled: z.boolean().optional(), disabledReason: z.string().optional() }),
  z.object({ type: z.literal('cinder-config'), ...serviceRef, backend: z.enum(['barbican', 'ConfKeyManager']).optional(), fixedKey: z.boolean().optional() }),
  z.object({ type: z.literal('restart-service'), ...serviceRef }),
  z.object({ type: z.literal('cinder-max-microversion'), version: z.string().refine((v) => parseMicroversion(v)?.[0] === 3, 'must look like 3.NN') }),
  z.object({ type: z.literal('cinder-drop-version-header'), on }),
  /** The next `count` Cinder answers whose path contains `path` are cut in half. */
  z.object({ type: z.literal('truncate-json'), path: z.string().min(1), count: z.number().int().min(1).max(1000).default(1) }),
  /** Revoke every token now, or once `afterRequests` more Barbican / Cinder requests were served. */
  z.object({ type: z.literal('revoke-tokens'), afterRequests: z.number().int().min(0).optional() }),
  z.object({ type: z.literal('reset-counters') }),
  z.object({ type: z.literal('clear') }),
]);

export type OpenStackFault = z.infer<typeof openStackFaultSchema>;

export class LabFaultError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export interface FaultControls {
  setBarbicanListening(listening: boolean): Promise<void>;
  restartService(binary: 'cinder-volume' | 'cinder-backup', host: string): Promise<MigrationResult>;
}

function findSecret(ctx: LabCloudContext, ref: { secretId?: string; volume?: string; backup?: string }): LabSecret {
  const { model } = ctx;
  let keyId: string | null | undefined = ref.secretId;
  if (ref.volume) {
    const v = model.estate.volumes.find((x) => x.id === ref.volume || x.name === ref.volume);
    if (!v) throw new LabFaultError(404, `No volume is called ${ref.volume}.`);
    keyId = v.keyId;
  } else if (ref.backup) {
    const b = model.estate.backups.find((x) => x.id === ref.backup || x.name === ref.backup);
    if (!b) throw new LabFaultError(404, `No backup is called ${ref.backup}.`);
    keyId = b.keyId;
  }
  if (!keyId || keyId === FIXED_KEY_ID) throw new LabFaultError(409, `${ref.volume ?? ref.backup} has no Barbican key (${keyId ?? 'unencrypted'}).`);
  const secret = model.secretsById.get(keyId);
  if (!secret) throw new LabFaultError(404, `No secret ${keyId} exists.`);
  return secret;
}

function findService(ctx: LabCloudContext, binary: string, host: string) {
  const s = ctx.model.estate.services.find((x) => x.binary === binary && x.host === host);
  if (!s) {
    const known = ctx.model.estate.services.filter((x) => x.binary === binary).map((x) => x.host);
    throw new LabFaultError(404, `No ${binary} service runs on ${host}; known: ${known.join(', ') || 'none'}.`);
  }
  return s;
}

/** Applies one fault; resolves with a one-line description (and the migration result for restarts). */
export async function applyOpenStackFault(ctx: LabCloudContext, controls: FaultControls, fault: OpenStackFault): Promise<{ applied: string; migration?: MigrationResult }> {
  const { model } = ctx;
  const f = model.faults;
  switch (fault.type) {
    case 'barbican-down':
      f.barbicanMode = fault.mode;
      await controls.setBarbicanListening(fault.mode !== 'refused');
      return { applied: fault.mode === 'refused' ? 'Barbican stopped listening' : 'Barbican answers 503 from its load balancer' };
    case 'barbican-up':
      f.barbicanMode = 'up';
      await controls.setBarbicanListening(true);
      return { applied: 'Barbican is up' };
    case 'barbican-healthcheck-disabled':
      f.barbicanHealthcheckDisabled = fault.on;
      return { applied: `Barbican /healthcheck ${fault.on ? 'answers 503 DISABLED BY FILE' : 'answers OK'}` };
    case 'barbican-keystone-unreachable':
      f.barbicanKeystoneUnreachable = fault.on;
      return { applied: `Barbican ${fault.on ? 'cannot' : 'can'} reach Keystone` };
    case 'barbican-backend-error':
      f.barbicanBackendError = fault.on;
      return { applied: `Barbican's backend ${fault.on ? 'fails (HTTP 500)' : 'works'}` };
    case 'barbican-orders':
      f.barbicanOrders = fault.mode;
      return { applied: `new key orders go ${fault.mode === 'ok' ? 'ACTIVE' : fault.mode === 'error' ? 'to ERROR' : 'nowhere (PENDING)'}` };
    case 'keystone-unavailable':
      f.keystoneUnavailable = fault.on;
      return { applied: `Keystone ${fault.on ? 'answers 503' : 'issues tokens'}` };
    case 'catalog-key-manager':
      f.catalogKeyManager = fault.state;
      return { applied: `key-manager in the catalog: ${fault.state}` };
    case 'delete-secret': {
      const s = findSecret(ctx, fault);
      model.deleteSecret(s.id);
      return { applied: `secret ${s.id} deleted` };
    }
    case 'expire-secret': {
      const s = findSecret(ctx, fault);
      s.expiration = barbicanTime(fault.at ? Date.parse(fault.at) : model.now() - 1000);
      s.updated = barbicanTime(model.now());
      return { applied: `secret ${s.id} expires ${s.expiration}` };
    }
    case 'secret-anomaly': {
      const s = findSecret(ctx, fault);
      if (fault.status) s.status = fault.status;
      if (fault.secretType) s.secretType = fault.secretType;
      if (fault.bitLength) s.bitLength = fault.bitLength;
      if (fault.aclUsers) {
        const t = barbicanTime(model.now());
        s.acl = { users: fault.aclUsers, projectAccess: s.acl?.projectAccess ?? true, created: s.acl?.created ?? t, updated: t };
      }
      return { applied: `secret ${s.id} changed` };
    }
    case 'cinder-creator-role': {
      const roles = model.estate.cinderUser.roles.get(model.estate.serviceProject.id)!;
      if (fault.present) roles.add('creator');
      else roles.delete('creator');
      return { applied: `cinder ${fault.present ? 'has' : 'lacks'} the creator role in the service project (new tokens)` };
    }
    case 'cinder-service': {
      const s = findService(ctx, fault.binary, fault.host);
      if (fault.down !== undefined) {
        s.broken = fault.down;
        if (fault.down) s.state = 'down';
      }
      if (fault.disabled !== undefined) {
        s.status = fault.disabled ? 'disabled' : 'enabled';
        s.disabledReason = fault.disabled ? (fault.disabledReason ?? 'disabled by the lab') : null;
      }
      return { applied: `${fault.binary} on ${fault.host}: ${s.state}${s.broken ? ' (cannot start)' : ''}, ${s.status}` };
    }
    case 'cinder-config': {
      const s = findService(ctx, fault.binary, fault.host);
      if (fault.backend) s.keyManagerBackend = fault.backend;
      if (fault.fixedKey !== undefined) s.fixedKeySet = fault.fixedKey;
      return { applied: `${fault.binary} on ${fault.host}: backend ${s.keyManagerBackend}, fixed_key ${s.fixedKeySet ? 'set' : 'unset'} (takes effect at restart)` };
    }
    case 'restart-service': {
      findService(ctx, fault.binary, fault.host);
      const migration = await controls.restartService(fault.binary, fault.host);
      return { applied: `${fault.binary} on ${fault.host} restarted${migration.started ? '' : ' but did not start'}: ${migration.migrated} key(s) migrated, ${migration.errors} error(s)`, migration };
    }
    case 'cinder-max-microversion':
      f.cinderMaxMicroversion = fault.version;
      return { applied: `Cinder serves microversions up to ${fault.version}` };
    case 'cinder-drop-version-header':
      f.cinderDropVersionHeader = fault.on;
      return { applied: `Cinder answers ${fault.on ? 'without' : 'with'} the OpenStack-API-Version header` };
    case 'truncate-json':
      f.cinderTruncate = { path: fault.path, count: fault.count };
      return { applied: `the next ${fault.count} Cinder answer(s) for paths containing ${fault.path} are truncated` };
    case 'revoke-tokens':
      if (fault.afterRequests === undefined || fault.afterRequests === 0) return { applied: `${model.revokeAllTokens()} token(s) revoked` };
      f.revokeTokensAfter = fault.afterRequests;
      return { applied: `every token is revoked after ${fault.afterRequests} more request(s)` };
    case 'reset-counters':
      model.secretRequests.clear();
      model.requestCounts = { keystone: 0, barbican: 0, cinder: 0 };
      return { applied: 'request counters reset' };
    case 'clear': {
      Object.assign(f, DEFAULT_FAULTS);
      await controls.setBarbicanListening(true);
      for (const s of model.estate.services) s.broken = false;
      return { applied: 'faults cleared (services marked down stay down until restarted)' };
    }
  }
}
