import { describe, expect, it } from 'vitest';
import { runHealthCheck, vcenterProviderHealthCheck, type ProviderHealthSource } from './health-check';
import type { ProviderHealth } from '../vsphere/schemas';

function source(views: Record<string, ProviderHealth | Error>): ProviderHealthSource {
  return {
    async providerHealth(providerId, hostMoid) {
      const view = views[`${providerId}@${hostMoid ?? 'vc'}`] ?? 'OK';
      if (view instanceof Error) throw view;
      return { health: view, details: view === 'OK' ? [] : [`${providerId} detail.`] };
    },
  };
}

describe('provider health check', () => {
  it('healthy only when vCenter, every host involved and the KMIP probe agree', async () => {
    const check = vcenterProviderHealthCheck(source({ 'kms@host-2': 'ERROR', 'nkp@vc': 'WARNING' }), {
      kmipProbe: async (id) => (id === 'kms' ? { healthy: false, detail: '127.0.0.11:5696 refused the connection.' } : null),
    });
    expect(await check({ providerIds: ['nkp', 'kms'], hostMoids: ['host-1', 'host-2'] })).toEqual([
      { providerId: 'nkp', healthy: false, problems: ['vCenter reports nkp as WARNING: nkp detail.'] },
      {
        providerId: 'kms',
        healthy: false,
        problems: ['host host-2 reports kms as ERROR: kms detail.', "Keywatch's KMIP probe of kms: 127.0.0.11:5696 refused the connection."],
      },
    ]);
    expect(await check({ providerIds: ['kms'], hostMoids: ['host-1'] })).toEqual([{ providerId: 'kms', healthy: false, problems: ["Keywatch's KMIP probe of kms: 127.0.0.11:5696 refused the connection."] }]);
  });

  it('WARNING passes only when allowed; a view that cannot be read fails', async () => {
    const warn = source({ 'kms@vc': 'WARNING' });
    expect((await vcenterProviderHealthCheck(warn)({ providerIds: ['kms'], hostMoids: [] }))[0]!.healthy).toBe(false);
    expect((await vcenterProviderHealthCheck(warn, { allowWarning: true })({ providerIds: ['kms'], hostMoids: [] }))[0]!.healthy).toBe(true);
    const broken = vcenterProviderHealthCheck(source({ 'kms@host-1': new Error('HTTP 503.') }));
    expect((await broken({ providerIds: ['kms'], hostMoids: ['host-1'] }))[0]!.problems).toEqual(['host host-1 could not report the health of kms: HTTP 503.']);
  });

  it('runHealthCheck fails closed: a throwing check or a missing answer is unhealthy', async () => {
    const thrown = await runHealthCheck(async () => {
      throw new Error('boom');
    }, { providerIds: ['a', 'b'], hostMoids: [] });
    expect(thrown.map((r) => r.healthy)).toEqual([false, false]);
    expect(thrown[0]!.problems).toEqual(['The health check failed: boom']);
    const partial = await runHealthCheck(async () => [{ providerId: 'a', healthy: true, problems: [] }], { providerIds: ['a', 'b'], hostMoids: [] });
    expect(partial).toEqual([
      { providerId: 'a', healthy: true, problems: [] },
      { providerId: 'b', healthy: false, problems: ['The health check did not report on b.'] },
    ]);
  });
});
