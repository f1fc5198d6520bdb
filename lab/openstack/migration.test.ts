/**
 * "Restart cinder-volume / cinder-backup on host H" against the lab's own Keystone and Barbican
 * over HTTPS: what it writes to Barbican, what it logs, and how it fails as Cinder does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FIXED_KEY_ID } from '@/lib/openstack/schemas';
import type { OpenStackEstateOptions } from './estate';
import type { OpenStackLab } from './server';
import { startQuietOpenStackLab } from './testing';

let lab: OpenStackLab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

async function start(estate: OpenStackEstateOptions = {}): Promise<OpenStackLab> {
  lab = await startQuietOpenStackLab({ estate: { seed: 8, volumes: 30, snapshots: 10, backups: 10, cinderHosts: 2, backupHosts: 1, ...estate } });
  return lab;
}

const messages = (l: OpenStackLab) => l.state().migrationLog.map((x) => x.message);

describe('restart-service', () => {
  it('migrates the host’s fixed-key volumes and their snapshots: cinder service project, ACL for the volume’s user', async () => {
    const l = await start();
    const host = 'cinder-1@lvm';
    const mine = l.model.volumesOfService(host).filter((v) => v.keyId === FIXED_KEY_ID);
    const others = l.model.volumesOfService('cinder-2@lvm').filter((v) => v.keyId === FIXED_KEY_ID);
    expect(mine.length).toBeGreaterThan(0);
    const { migration } = await l.fault({ type: 'restart-service', host });
    expect(migration).toMatchObject({ started: true, migrated: mine.length, errors: 0, aborted: false });
    for (const v of mine) {
      expect(v.keyId).not.toBe(FIXED_KEY_ID);
      const s = l.model.secretsById.get(v.keyId!)!;
      expect(s).toMatchObject({ projectId: l.estate.serviceProject.id, creatorId: l.estate.cinderUser.id, algorithm: 'AES', bitLength: 256, secretType: 'symmetric', status: 'ACTIVE', acl: { users: [v.userId], projectAccess: true } });
      for (const snap of l.estate.snapshots.filter((x) => x.volumeId === v.id)) expect(snap.keyId).toBe(v.keyId);
    }
    // Only its own rows.
    expect(others.every((v) => v.keyId === FIXED_KEY_ID)).toBe(true);
    const log = messages(l);
    expect(log[0]).toBe('Starting migration of ConfKeyManager keys.');
    expect(log.filter((m) => m.startsWith('Migrating volume '))).toHaveLength(mine.length);
    expect(log).toContain(`Migrating volume ${mine[0]!.id} encryption key to Barbican`);
    expect(log).toContain(`There are still ${others.length} volume(s) using the ConfKeyManager's all-zeros encryption key ID.`);
  });

  it('cinder-backup migrates backups and says so in its own capitalisation', async () => {
    const l = await start();
    const fixed = l.estate.backups.filter((b) => b.keyId === FIXED_KEY_ID);
    expect(fixed.length).toBeGreaterThan(0);
    const { migration } = await l.fault({ type: 'restart-service', host: 'cinder-1', binary: 'cinder-backup' });
    expect(migration?.migrated).toBe(fixed.length);
    expect(messages(l)).toContain(`Migrating Backup ${fixed[0]!.id} encryption key to Barbican`);
    expect(messages(l)).toContain("No backups are known to be using the ConfKeyManager's encryption_key_id.");
    expect(l.model.secretsById.get(fixed[0]!.keyId!)!.acl?.users).toEqual([fixed[0]!.userId]);
  });

  it('without the creator role every secret creation is refused (403) and the migration aborts after more than 3 errors', async () => {
    const l = await start({ cinderCreatorRole: false });
    const host = 'cinder-1@lvm';
    const fixedBefore = l.model.volumesOfService(host).filter((v) => v.keyId === FIXED_KEY_ID).length;
    expect(fixedBefore).toBeGreaterThan(4);
    const { migration } = await l.fault({ type: 'restart-service', host });
    expect(migration).toMatchObject({ migrated: 0, errors: 4, aborted: true });
    const log = messages(l);
    expect(log.filter((m) => m === 'Error migrating encryption key: Forbidden: Secret creation attempt not allowed - please review your user/project privileges')).toHaveLength(4);
    expect(log).toContain('Aborting encryption key migration (too many errors).');
    expect(log.filter((m) => m.startsWith('Migrating volume '))).toHaveLength(4);
    expect(log.at(-2)).toMatch(/^There are still \d+ volume\(s\) using the ConfKeyManager's all-zeros encryption key ID\.$/);
    // The guide's fix: grant creator, restart.
    await l.fault({ type: 'cinder-creator-role', present: true });
    const again = await l.fault({ type: 'restart-service', host });
    expect(again.migration).toMatchObject({ migrated: fixedBefore, errors: 0 });
  });

  it('Barbican down: errors, then abort; nothing changes', async () => {
    const l = await start();
    await l.fault({ type: 'barbican-down' });
    const { migration } = await l.fault({ type: 'restart-service', host: 'cinder-2@lvm' });
    expect(migration).toMatchObject({ migrated: 0, aborted: true, errors: 4 });
    expect(messages(l).filter((m) => m.startsWith('Error migrating encryption key: Unable to establish connection to'))).toHaveLength(4);
  });

  it('logs why it does not migrate: ConfKeyManager still in use, fixed_key unset, no rows on the host', async () => {
    const l = await start({ volumes: 1, snapshots: 0, backups: 0 });
    await l.fault({ type: 'cinder-config', host: 'cinder-1@lvm', backend: 'ConfKeyManager' });
    await l.fault({ type: 'restart-service', host: 'cinder-1@lvm' });
    expect(messages(l)).toContain('Not migrating encryption keys because the ConfKeyManager is still in use.');
    await l.fault({ type: 'cinder-config', host: 'cinder-1@lvm', backend: 'barbican', fixedKey: false });
    await l.fault({ type: 'restart-service', host: 'cinder-1@lvm' });
    expect(messages(l)).toContain("Not migrating encryption keys because the ConfKeyManager's fixed_key is not in use.");
    await l.fault({ type: 'restart-service', host: 'cinder-2@lvm' });
    expect(messages(l).at(-1)).toBe('Not migrating encryption keys because there are no volumes associated with this host.');
  });

  it('a service that is down cannot start and migrates nothing', async () => {
    const l = await start();
    await l.fault({ type: 'cinder-service', host: 'cinder-1@lvm', down: true });
    const { migration, applied } = await l.fault({ type: 'restart-service', host: 'cinder-1@lvm' });
    expect(migration).toMatchObject({ started: false, migrated: 0 });
    expect(applied).toContain('did not start');
    expect(l.state().services.find((s) => s.host === 'cinder-1@lvm')).toMatchObject({ state: 'down', broken: true });
  });
});
