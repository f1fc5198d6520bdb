import { describe, expect, it } from 'vitest';
import { checkHostReadiness, type HostContext, type ReadinessSources } from './check';
import { healthyInput, KEK } from './testing/healthy-input';

/** Sources over the fixture estate: the seam lets us prove the fallback and fail-closed wiring. */
function sources(overrides: Partial<ReadinessSources> = {}): ReadinessSources & { asked: Map<string, string[]>[] } {
  const fixture = healthyInput();
  const context: HostContext = { host: fixture.host, cluster: fixture.cluster, peers: fixture.peers, vms: fixture.vms, datastores: fixture.datastores, readAt: fixture.vcenter.readAt! };
  const asked: Map<string, string[]>[] = [];
  return {
    asked,
    now: () => fixture.now,
    freshnessLimitMs: fixture.freshnessLimitMs,
    readHostLive: async () => context,
    readHostStored: async () => ({ ...context, readAt: new Date(fixture.now.getTime() - 30_000) }),
    probeProviders: async (keys) => {
      asked.push(keys);
      return { providers: fixture.providers, errors: [] };
    },
    applianceCandidates: async () => fixture.candidateApplianceVms,
    ...overrides,
  };
}

describe('checkHostReadiness', () => {
  it('probes each needed provider for exactly the keys the host needs and answers READY', async () => {
    const s = sources();
    const result = await checkHostReadiness(s, 'host-1', 'reboot');
    expect(result.verdict).toBe('READY');
    expect(result.source).toBe('live');
    expect([...s.asked[0]!.keys()]).toEqual(['kms']);
    expect(s.asked[0]!.get('kms')).toContain(KEK);
    expect(s.asked[0]!.get('kms')).toHaveLength(5);
  });

  it('falls back to stored data when vCenter cannot be read, and still blocks on VC_REACHABLE', async () => {
    const s = sources({ readHostLive: async () => Promise.reject(new Error('vCenter vc.example did not answer within 10 s')) });
    const result = await checkHostReadiness(s, 'host-1', 'reboot');
    expect(result.verdict).toBe('BLOCKED');
    expect(result.source).toBe('stored');
    expect(result.blocking).toEqual(['VC_REACHABLE']);
    expect(result.rules.find((r) => r.id === 'DATA_FRESH')!.status).toBe('warn');
    expect(result.rules.find((r) => r.id === 'VC_REACHABLE')!.evidence[0]!.detail).toContain('did not answer');
  });

  it('blocks with everything unknown when vCenter is down and nothing is stored', async () => {
    const s = sources({ readHostLive: async () => Promise.reject(new Error('down')), readHostStored: async () => null });
    const result = await checkHostReadiness(s, 'host-1', 'enter-maintenance');
    expect(result.verdict).toBe('BLOCKED');
    expect(result.blocking).toEqual(expect.arrayContaining(['VC_REACHABLE', 'HOST_CONNECTED', 'DATA_FRESH']));
  });
});
