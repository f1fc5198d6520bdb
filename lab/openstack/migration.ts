/**
 * "Restart cinder-volume (or cinder-backup) on host H": the service comes up and, as Cinder does at
 * the end of start-up, migrates that host's own rows from the ConfKeyManager all-zero key ID to
 * Barbican — as the cinder service user (Keystone password login, public key-manager endpoint from
 * the catalog), one `POST /v1/secrets` with the fixed key as a base64 AES payload and one
 * `PUT …/acl` granting the row's user read per row, over real HTTPS to the lab Barbican; more than
 * three errors abort. The log lines are Cinder's (shared/OPENSTACK.md, the seed guide).
 */
import { Agent, request } from 'undici';
import { findEndpoint } from '@/lib/openstack/catalog';
import { errorBodyMessage } from '@/lib/openstack/http';
import { FIXED_KEY_ID, TokenBodySchema } from '@/lib/openstack/schemas';
import type { LabCloudContext } from './context';
import type { LabBackup, LabService, LabVolume } from './estate';

/** Cinder's MAX_KEY_MIGRATION_ERRORS: the migration aborts after more errors than this. */
export const MAX_KEY_MIGRATION_ERRORS = 3;

export interface MigrationResult {
  binary: LabService['binary'];
  host: string;
  started: boolean;
  migrated: number;
  errors: number;
  aborted: boolean;
  /** Rows of the whole cloud still on the all-zero key afterwards. */
  remaining: { volumes: number; snapshots: number; backups: number };
  log: string[];
}

export class MigrationError extends Error {}

interface BarbicanSession {
  token: string;
  barbicanUrl: string;
}

function describeFailure(err: unknown, url: string): string {
  const code = (err as { code?: string; cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
  return `Unable to establish connection to ${url}: ${code ?? (err instanceof Error ? err.message : String(err))}`;
}

async function call(agent: Agent, method: 'POST' | 'PUT', url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, { method, dispatcher: agent, headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new MigrationError(describeFailure(err, url));
  }
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** python-barbicanclient's way of saying an HTTP error: "Forbidden: <Barbican's description>". */
function httpFailure(status: number, text: string): MigrationError {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' };
  const message = errorBodyMessage(text) ?? `HTTP ${status}`;
  return new MigrationError(`${titles[status] ?? `HTTP ${status}`}: ${message.replace(/<br\s*\/?>/gi, ' ').replace(/\s+/g, ' ').trim()}`);
}

async function barbicanSession(ctx: LabCloudContext, agent: Agent): Promise<BarbicanSession> {
  const cinder = ctx.model.estate.cinderUser;
  const body = {
    auth: {
      identity: { methods: ['password'], password: { user: { name: cinder.name, domain: { id: 'default' }, password: cinder.password } } },
      scope: { project: { name: ctx.model.estate.serviceProject.name, domain: { id: 'default' } } },
    },
  };
  const res = await call(agent, 'POST', `${ctx.urls.keystone}/v3/auth/tokens`, {}, body);
  if (res.status !== 201) throw httpFailure(res.status, res.text);
  const token = res.headers['x-subject-token'];
  if (typeof token !== 'string') throw new MigrationError('Keystone answered without X-Subject-Token');
  const parsed = TokenBodySchema.safeParse(JSON.parse(res.text));
  if (!parsed.success) throw new MigrationError('Keystone answered an unexpected token body');
  try {
    const endpoint = findEndpoint(parsed.data.token.catalog, 'key-manager', { interface: 'public', region: ctx.region });
    return { token, barbicanUrl: endpoint.url };
  } catch (err) {
    throw new MigrationError(err instanceof Error ? err.message : String(err));
  }
}

async function migrateRow(agent: Agent, session: BarbicanSession, fixedKey: Buffer, userId: string): Promise<string> {
  const secret = await call(agent, 'POST', `${session.barbicanUrl}/v1/secrets`, { 'x-auth-token': session.token }, {
    algorithm: 'AES',
    bit_length: fixedKey.length * 8,
    secret_type: 'symmetric',
    mode: null,
    payload: fixedKey.toString('base64'),
    payload_content_type: 'application/octet-stream',
    payload_content_encoding: 'base64',
  });
  if (secret.status !== 201) throw httpFailure(secret.status, secret.text);
  const ref = (JSON.parse(secret.text) as { secret_ref?: string }).secret_ref;
  if (!ref) throw new MigrationError('Barbican answered without secret_ref');
  const acl = await call(agent, 'PUT', `${ref}/acl`, { 'x-auth-token': session.token }, { read: { users: [userId], 'project-access': true } });
  if (acl.status !== 200) throw httpFailure(acl.status, acl.text);
  return ref.replace(/\/+$/, '').split('/').pop()!;
}

/**
 * Restarts one service. A broken service (fault) stays down and migrates nothing; otherwise it comes
 * up and runs the key migration for its own rows before resolving.
 */
export async function restartService(ctx: LabCloudContext, caPem: string, fixedKey: Buffer, binary: 'cinder-volume' | 'cinder-backup', host: string): Promise<MigrationResult> {
  const { model } = ctx;
  const service = model.serviceOf(binary, host);
  if (!service) {
    const known = model.estate.services.filter((s) => s.binary === binary).map((s) => s.host);
    throw new MigrationError(`No ${binary} service runs on ${host}; known hosts: ${known.join(', ') || 'none'}.`);
  }
  const log: string[] = [];
  const say = (level: 'info' | 'warning' | 'error', message: string) => {
    log.push(message);
    model.log(host, binary, level, message);
  };
  const result = (started: boolean, migrated: number, errors: number, aborted: boolean): MigrationResult => ({ binary, host, started, migrated, errors, aborted, remaining: model.fixedKeyCounts(), log });
  const summary = () => {
    const left = model.fixedKeyCounts();
    if (left.volumes === 0) say('info', "No volumes are using the ConfKeyManager's encryption_key_id.");
    else say('warning', `There are still ${left.volumes} volume(s) using the ConfKeyManager's all-zeros encryption key ID.`);
    if (left.backups === 0) say('info', "No backups are known to be using the ConfKeyManager's encryption_key_id.");
    else say('warning', `There are still ${left.backups} backup(s) using the ConfKeyManager's all-zeros encryption key ID.`);
  };

  service.updatedAt = new Date(model.now()).toISOString().replace('Z', '');
  if (service.broken) {
    service.state = 'down';
    say('error', `${binary} on ${host} did not start: the ${binary === 'cinder-volume' ? 'volume' : 'backup'} driver failed to initialize.`);
    return result(false, 0, 0, false);
  }
  service.state = 'up';
  if (!service.fixedKeySet || service.keyManagerBackend !== 'barbican') {
    if (!service.fixedKeySet) say('info', "Not migrating encryption keys because the ConfKeyManager's fixed_key is not in use.");
    if (service.keyManagerBackend === 'ConfKeyManager') say('info', 'Not migrating encryption keys because the ConfKeyManager is still in use.');
    summary();
    return result(true, 0, 0, false);
  }
  const rows: (LabVolume | LabBackup)[] = binary === 'cinder-volume' ? model.volumesOfService(host) : model.backupsOfService(host);
  if (rows.length === 0) {
    say('info', `Not migrating encryption keys because there are no ${binary === 'cinder-volume' ? 'volumes' : 'backups'} associated with this host.`);
    return result(true, 0, 0, false);
  }
  say('info', 'Starting migration of ConfKeyManager keys.');
  const agent = new Agent({ connect: { ca: caPem } });
  let migrated = 0;
  let errors = 0;
  let aborted = false;
  try {
    let session: BarbicanSession;
    try {
      session = await barbicanSession(ctx, agent);
    } catch (err) {
      say('error', `Aborting encryption key migration due to error creating Barbican client: ${err instanceof Error ? err.message : String(err)}`);
      summary();
      return result(true, 0, 0, true);
    }
    for (const row of rows) {
      if (row.keyId !== FIXED_KEY_ID) continue;
      say('info', binary === 'cinder-volume' ? `Migrating volume ${row.id} encryption key to Barbican` : `Migrating Backup ${row.id} encryption key to Barbican`);
      try {
        const keyId = await migrateRow(agent, session, fixedKey, row.userId);
        if (binary === 'cinder-volume') model.setVolumeKey(row as LabVolume, keyId);
        else row.keyId = keyId;
        migrated += 1;
      } catch (err) {
        errors += 1;
        say('error', `Error migrating encryption key: ${err instanceof Error ? err.message : String(err)}`);
        if (errors > MAX_KEY_MIGRATION_ERRORS) {
          say('error', 'Aborting encryption key migration (too many errors).');
          aborted = true;
          break;
        }
      }
    }
  } finally {
    await agent.close();
  }
  summary();
  return result(true, migrated, errors, aborted);
}
