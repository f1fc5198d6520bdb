import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../db/testing/use-test-database';
import { testBox } from '../poller/testing/harness';
import { applyTargets } from './config-file';
import { kmsProviderInputSchema, kmsProviderUpdateSchema } from './schemas';
import { createKmsProvider, openKmsClientCredentials, updateKmsProvider } from './store';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

/** The explicit link from a KMS target to vCenter's provider id, defaulting to a name match. */
describe('KmsProvider.keyProviderId', () => {
  const { db } = useTestDatabase();
  const box = testBox();

  it('defaults to the name, follows an explicit id, and an empty id goes back to the name', async () => {
    const { prisma } = db();
    const input = kmsProviderInputSchema.parse({ name: 'kms-prod', nodes: [{ host: 'kms-1.example.test' }], caPem: CA });
    const created = await createKmsProvider(prisma, box, input);
    expect(created.keyProviderId).toBeNull();
    expect(created.effectiveKeyProviderId).toBe('kms-prod');
    expect((await openKmsClientCredentials(prisma, box, created.id)).keyProviderId).toBe('kms-prod');

    const { kmsProvider: linked } = await updateKmsProvider(prisma, box, created.id, kmsProviderUpdateSchema.parse({ keyProviderId: ' vc-cluster-7 ' }));
    expect(linked.keyProviderId).toBe('vc-cluster-7');
    expect((await openKmsClientCredentials(prisma, box, created.id)).keyProviderId).toBe('vc-cluster-7');

    const { kmsProvider: cleared } = await updateKmsProvider(prisma, box, created.id, kmsProviderUpdateSchema.parse({ keyProviderId: '' }));
    expect(cleared.keyProviderId).toBeNull();
    expect(cleared.effectiveKeyProviderId).toBe('kms-prod');
  });

  it('rejects an over-long id with a field error', () => {
    const parsed = kmsProviderUpdateSchema.safeParse({ keyProviderId: 'x'.repeat(201) });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['keyProviderId']);
  });

  it('is set from the targets file', async () => {
    const { prisma } = db();
    await applyTargets(
      prisma,
      box,
      { prune: false, vcenters: [], kmsProviders: [{ name: 'kms-file', keyProviderId: 'vc-file-id', nodes: [{ host: 'kms-9.example.test', port: 5696 }], ca: { pem: CA } }] },
      { baseDir: '.', env: {} },
    );
    const row = await prisma.kmsProvider.findUniqueOrThrow({ where: { name: 'kms-file' } });
    expect(row.keyProviderId).toBe('vc-file-id');
  });
});
