import type { StartLabOptions } from '../../../lab/main';
import { startPollHarness, type PollHarness } from '../../poller/testing/harness';

/**
 * The gate's lab fixture: the poll harness with the estate stored, and the host the scenarios act on
 * — a host of the standard-encrypted cluster carrying at least one VM encrypted by the lab KMS — with
 * its cluster and one peer.
 */
export interface GateLab {
  h: PollHarness;
  hostId: string;
  hostName: string;
  peerId: string;
  clusterId: string;
}

export async function startGateLab(lab?: StartLabOptions): Promise<GateLab> {
  const h = await startPollHarness(lab ? { lab } : {});
  try {
    await h.pollAll();
    const state = await h.state();
    const cluster = state.clusters.find((c) => c.encryption === 'standard')!;
    const hostId = cluster.hostIds.find((id) => state.vms!.some((v) => v.hostId === id && v.configKey?.providerId === 'lab-kms'))!;
    return { h, hostId, hostName: state.hosts.find((x) => x.id === hostId)!.name, peerId: cluster.hostIds.find((id) => id !== hostId)!, clusterId: cluster.id };
  } catch (error) {
    await h.close();
    throw error;
  }
}
