import type { PrismaClient } from '../../db/client';
import { rowId } from '../../observations/vcenter-rows';
import type { LabState } from './harness';

/**
 * Differences between what Keywatch stored for a vCenter and the lab's ground truth, for every
 * host that is up (a host mid-reboot has nothing settled to compare): host connection,
 * maintenance and crypto state, disk groups mounted / keys loaded, VM host and lock state.
 * Empty when they agree.
 */
export async function compareWithLab(prisma: PrismaClient, vcenterId: string, state: LabState): Promise<string[]> {
  const [hosts, groups, vms] = await Promise.all([
    prisma.vcHost.findMany({ where: { vcenterId } }),
    prisma.vcDiskGroup.findMany({ where: { vcenterId } }),
    prisma.vcVm.findMany({ where: { vcenterId } }),
  ]);
  const out: string[] = [];
  const hostById = new Map(hosts.map((h) => [h.id, h]));
  if (hosts.length !== state.hosts.length) out.push(`hosts: stored ${hosts.length}, lab ${state.hosts.length}`);
  const upHosts = new Set<string>();
  for (const lab of state.hosts) {
    const id = rowId(vcenterId, lab.id);
    const stored = hostById.get(id);
    if (!stored) {
      out.push(`host ${lab.id} not stored`);
      continue;
    }
    if (lab.phase !== 'up' || lab.connectionState !== 'connected') continue;
    upHosts.add(id);
    if (stored.connectionState !== lab.connectionState) out.push(`host ${lab.id} connection ${stored.connectionState} ≠ ${lab.connectionState}`);
    if (stored.inMaintenanceMode !== lab.inMaintenanceMode) out.push(`host ${lab.id} maintenance ${stored.inMaintenanceMode} ≠ ${lab.inMaintenanceMode}`);
    if (stored.cryptoState !== lab.cryptoState) out.push(`host ${lab.id} crypto ${stored.cryptoState} ≠ ${lab.cryptoState}`);
    const own = groups.filter((g) => g.hostId === id);
    if (own.length === 0) out.push(`host ${lab.id} has no stored disk groups`);
    for (const g of own) {
      if (g.mounted !== lab.diskGroupsMounted) out.push(`disk group ${g.uuid} of ${lab.id} mounted ${g.mounted} ≠ ${lab.diskGroupsMounted}`);
      if ((g.encrypted ? g.keysLoaded : null) !== lab.diskGroupKeysLoaded) out.push(`disk group ${g.uuid} of ${lab.id} keys loaded ${g.keysLoaded} ≠ ${lab.diskGroupKeysLoaded}`);
    }
  }
  const vmById = new Map(vms.map((v) => [v.id, v]));
  if (state.vms) {
    if (vms.length !== state.vms.length) out.push(`VMs: stored ${vms.length}, lab ${state.vms.length}`);
    for (const lab of state.vms) {
      const id = rowId(vcenterId, lab.id);
      const stored = vmById.get(id);
      if (!stored) {
        out.push(`VM ${lab.id} not stored`);
        continue;
      }
      if (!upHosts.has(rowId(vcenterId, lab.hostId))) continue;
      if (stored.hostId !== rowId(vcenterId, lab.hostId)) out.push(`VM ${lab.id} host ${stored.hostId} ≠ ${lab.hostId}`);
      if (stored.cryptoState !== lab.cryptoState) out.push(`VM ${lab.id} crypto ${stored.cryptoState} ≠ ${lab.cryptoState}`);
    }
  }
  return out;
}
