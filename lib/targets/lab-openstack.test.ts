/**
 * The lab cloud as npm start registers it: the lab process's description (lab/openstack/lab-process.ts)
 * becomes the target lab-openstack (source "lab"), which Test connection reaches; a restarted lab
 * comes back on the same URL and CA, so the stored target keeps working.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeOpenStackLab, startLabOpenStack } from '../../lab/openstack/lab-process';
import { useTestDatabase } from '../db/testing/use-test-database';
import { testBox } from '../poller/testing/harness';
import { applyLabTargets } from './lab-targets';
import { testOpenstackConnection } from './test-connection';

describe('lab OpenStack target', () => {
  const database = useTestDatabase();
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is registered from the lab description, answers Test connection, and survives a lab restart', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kw-lab-os-'));
    const { prisma } = database.db();
    const box = testBox();
    const first = await startLabOpenStack({ dir, host: '127.0.0.1', persistent: true });
    let authUrl: string;
    try {
      const description = describeOpenStackLab(first);
      authUrl = description.authUrl;
      const config = { vcenter: { url: 'https://127.0.0.1:1', username: 'u', password: 'p' }, openstack: description };
      const applied = await applyLabTargets(prisma, box, JSON.stringify(config));
      expect(applied.created).toContain('openstack:lab-openstack');
      const cloud = await prisma.openstackCloud.findUniqueOrThrow({ where: { name: 'lab-openstack' } });
      expect(cloud).toMatchObject({ source: 'lab', authUrl, username: description.username, projectName: 'service' });
      expect(cloud.passwordEnc).not.toContain(description.password);
      const tested = await testOpenstackConnection(prisma, box, cloud.id);
      expect(tested.ok, tested.message).toBe(true);
      // Applied again at the next start: updated, not duplicated.
      expect((await applyLabTargets(prisma, box, JSON.stringify(config))).updated).toContain('openstack:lab-openstack');
    } finally {
      await first.stop();
    }
    const second = await startLabOpenStack({ dir, host: '127.0.0.1', persistent: true });
    try {
      expect(describeOpenStackLab(second).authUrl).toBe(authUrl);
      const cloud = await prisma.openstackCloud.findUniqueOrThrow({ where: { name: 'lab-openstack' } });
      expect((await testOpenstackConnection(prisma, box, cloud.id)).ok).toBe(true);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
