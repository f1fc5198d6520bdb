/**
 * Bad input against the lab cloud: each becomes a clear, one-line, per-area error in the poll's
 * snapshot (never an exception, never a hang), the rest of the cloud is still read, and the
 * fixed_key verdict fails closed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OpenStackLab } from '@/lab/openstack/server';
import { startQuietOpenStackLab } from '@/lab/openstack/testing';
import { openstackConditions } from './conditions';
import { OpenStackError } from './errors';
import { fixedKeyRemovalVerdict } from './key-state';
import { pollOpenStack } from './poll';

let lab: OpenStackLab;
beforeAll(async () => {
  lab = await startQuietOpenStackLab({ estate: { seed: 9, volumes: 24, snapshots: 6, backups: 6, cinderHosts: 2, backupHosts: 1 } });
});
afterAll(async () => {
  await lab?.stop();
});
beforeEach(async () => {
  await lab.fault({ type: 'clear' });
});

describe('bad answers become per-area errors', () => {
  it('a 406 microversion answer: Cinder unread, the verdict BLOCKED, Barbican still checked', async () => {
    await lab.fault({ type: 'cinder-max-microversion', version: '3.60' });
    const snap = await pollOpenStack(lab.watcher);
    const areas = snap.errors.map((e) => `${e.area}:${e.kind}`).sort();
    expect(areas).toEqual(['cinder-backups:microversion', 'cinder-services:microversion', 'cinder-snapshots:microversion', 'cinder-volumes:microversion']);
    expect(snap.errors[0]!.message).toMatch(/^OpenStack cinder at 127\.0\.0\.1:\d+: GET \/volume\/v3\/[0-9a-f]{32}\/\w+\/detail\?all_tenants=1&limit=1000&with_count=true: HTTP 406: Version 3\.64 is not supported by the API\. Minimum is 3\.0 and maximum is 3\.60\.$/);
    expect(snap.cinder.maxMicroversion).toBe('3.60');
    expect(snap.volumes).toEqual([]);
    expect(snap.barbican.api.status).toBe('ok');
    const verdict = fixedKeyRemovalVerdict(snap);
    expect(verdict.verdict).toBe('BLOCKED');
    expect(verdict.reasons[0]).toContain('the volumes could not all be listed');
    expect(verdict.reasons[0]).toContain('maximum is 3.60');
  });

  it('an answer that does not confirm the microversion is refused (encryption_key_id would be missing)', async () => {
    await lab.fault({ type: 'cinder-drop-version-header' });
    const snap = await pollOpenStack(lab.watcher);
    const volumes = snap.errors.find((e) => e.area === 'cinder-volumes')!;
    expect(volumes.kind).toBe('microversion');
    expect(volumes.message).toContain('Cinder did not confirm microversion 3.64 (OpenStack-API-Version: absent)');
    expect(fixedKeyRemovalVerdict(snap).verdict).toBe('BLOCKED');
  });

  it('truncated JSON in a volume page: a truncated-json error, the verdict BLOCKED', async () => {
    await lab.fault({ type: 'truncate-json', path: 'volumes/detail' });
    const snap = await pollOpenStack(lab.watcher);
    expect(snap.errors).toHaveLength(1);
    expect(snap.errors[0]).toMatchObject({ area: 'cinder-volumes', kind: 'truncated-json' });
    expect(snap.errors[0]!.message).toMatch(/the JSON body is truncated after \d+ characters\.$/);
    expect(snap.inventory.volumes.complete).toBe(false);
    expect(snap.inventory.snapshots.complete).toBe(true);
    // Snapshots whose volume was not listed cannot be judged.
    expect(snap.snapshots.every((s) => s.keyState.state === 'unknown' && s.keyState.usesFixedKey === null)).toBe(true);
    expect(fixedKeyRemovalVerdict(snap).verdict).toBe('BLOCKED');
  });

  it("truncated JSON from one volume's encryption endpoint: that volume unknown, the verdict BLOCKED", async () => {
    await lab.fault({ type: 'truncate-json', path: '/encryption' });
    const snap = await pollOpenStack(lab.watcher);
    expect(snap.errors.map((e) => `${e.area}:${e.kind}`)).toEqual(['cinder-encryption:truncated-json']);
    expect(snap.errors[0]!.message).toMatch(/^1 volume\(s\) without encryption metadata; first: /);
    const unknown = snap.volumes.filter((v) => v.keyState.state === 'unknown');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.keyState.usesFixedKey).toBeNull();
    const verdict = fixedKeyRemovalVerdict(snap);
    expect(verdict.verdict).toBe('BLOCKED');
    expect(verdict.reasons.join(' ')).toContain('may use the all-zero key ID (its encryption metadata could not be read');
  });

  it('a token that expires mid-poll is renewed and the poll continues', async () => {
    const truth = lab.state().counts;
    await lab.fault({ type: 'revoke-tokens', afterRequests: 6 });
    const snap = await pollOpenStack(lab.watcher);
    expect(snap.errors).toEqual([]);
    expect(snap.token.logins).toBe(2);
    expect(snap.counts.volumes['fixed-key']).toBe(truth.volumes.fixedKey);
    expect(snap.volumes).toHaveLength(truth.volumes.total);
  });

  it('Keystone unavailable or the password wrong: a keystone error and BARBICAN_AUTH_FAILING, nothing thrown', async () => {
    await lab.fault({ type: 'keystone-unavailable' });
    const down = await pollOpenStack(lab.watcher);
    expect(down.errors.map((e) => `${e.area}:${e.kind}`)).toEqual(['keystone:unavailable']);
    expect(openstackConditions(down).map((c) => c.kind)).toEqual(['BARBICAN_AUTH_FAILING']);
    expect(fixedKeyRemovalVerdict(down).reasons[0]).toContain('no Keystone token');

    await lab.fault({ type: 'keystone-unavailable', on: false });
    const wrong = await pollOpenStack({ ...lab.watcher, password: 'wrong-password-xyz' });
    expect(wrong.errors).toHaveLength(1);
    expect(wrong.errors[0]).toMatchObject({ area: 'keystone', kind: 'auth' });
    expect(wrong.errors[0]!.message).toContain('Keystone refused the credentials of user keywatch');
    expect(wrong.errors[0]!.message).not.toContain('wrong-password-xyz');
    expect(wrong.token.ok).toBe(false);
  });

  it('an untrusted certificate is a TLS error (verification cannot be turned off)', async () => {
    const { caPem: _unused, ...noCa } = lab.watcher;
    const snap = await pollOpenStack(noCa);
    expect(snap.errors[0]).toMatchObject({ area: 'keystone', kind: 'tls' });
    expect(snap.errors[0]!.message).toContain('TLS verification failed');
  });

  it('a bad configuration is refused before any request, with the field named', async () => {
    await expect(pollOpenStack({ ...lab.watcher, authUrl: lab.watcher.authUrl.replace('https:', 'http:') })).rejects.toThrow(/authUrl: must be an https:\/\/ URL/);
    await expect(pollOpenStack({ ...lab.watcher, cinderMicroversion: '3.50' })).rejects.toThrow(OpenStackError);
    await expect(pollOpenStack({ ...lab.watcher, cinderMicroversion: '3.50' })).rejects.toThrow(/cinderMicroversion: must be 3\.64 or later/);
    await expect(pollOpenStack({ ...lab.watcher, projectName: undefined })).rejects.toThrow(/projectName: projectName or projectId is required/);
  });
});
