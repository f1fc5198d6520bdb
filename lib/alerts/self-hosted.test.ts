import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPollHarness, type PollHarness } from '../poller/testing/harness';

/** The lab with its first KMS appliance VM on the vSAN datastore that KMS encrypts. */
describe('KMS_SELF_HOSTED against the lab', () => {
  let h: PollHarness;
  beforeAll(async () => {
    h = await startPollHarness({ lab: { estate: { seed: 2, clusters: 3, hostsPerCluster: 2, vmsPerHost: 2, kmsSelfHosted: true } } });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('names the KMS VM that lives on the storage it unlocks, and only that one', async () => {
    await h.pollAll();
    const alerts = await h.prisma.alert.findMany({ where: { kind: 'KMS_SELF_HOSTED', state: 'open' } });
    expect(alerts.map((a) => a.entityName)).toEqual(['kms-1']);
    expect(alerts[0]!.severity).toBe('critical');
    expect(alerts[0]!.cause).toMatch(/looks like KMS node kms-1 of lab-kms \(its name is kms-1\).*vSAN datastore of .*which lab-kms encrypts/);
    expect(alerts[0]!.runbook).toMatch(/Storage vMotion/);
  });
});
