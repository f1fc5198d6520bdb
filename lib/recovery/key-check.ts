/**
 * Before Keywatch asks vCenter to unlock a VM it checks, live through KMIP, that the VM's keys
 * can be had: vCenter would otherwise fetch them, fail, and leave a failed task and a fresh lock
 * event behind. A key counts as retrievable when at least one node of its provider answers with
 * it in a state KMIP still serves for decryption (Active, or Deactivated).
 */
import { probeKmsNode, type KmsNodeProbe } from '../kmip/probe';
import type { PrismaClient } from '../db/generated/client';
import type { SecretBox } from '../secrets/keyring';
import { effectiveKeyProviderId, openKmsClientCredentials } from '../targets/store';

/** Key ids a VM needs, grouped by the vCenter key provider id that holds them. */
export type KeysByProvider = Map<string, Set<string>>;

export interface KeyCheck {
  ok: boolean;
  /** One sentence per provider that cannot give a key, naming the keys and why; empty when ok. */
  problems: string[];
}

const SERVABLE_STATES = new Set(['Active', 'Deactivated']);

const CHECK_TIMEOUTS = { connectMs: 3000, handshakeMs: 5000, responseMs: 5000 };

function missingOnNode(node: KmsNodeProbe, keyIds: readonly string[]): string[] {
  return keyIds.filter((id) => {
    const key = node.keys.find((k) => k.id === id);
    return !key || !(key.status === 'active' || (key.status === 'not-active' && key.state !== undefined && SERVABLE_STATES.has(key.state)));
  });
}

/** Probes every node of each provider for its keys; fails closed when a provider has no KMS target linked. */
export async function checkKeysRetrievable(prisma: PrismaClient, box: SecretBox, keys: KeysByProvider, now = new Date()): Promise<KeyCheck> {
  const problems: string[] = [];
  const targets = await prisma.kmsProvider.findMany({ select: { id: true, name: true, keyProviderId: true } });
  for (const [providerId, ids] of keys) {
    const keyIds = [...ids].sort();
    const target = targets.find((t) => effectiveKeyProviderId(t) === providerId);
    if (!target) {
      problems.push(`Key provider ${providerId} has no KMS target in Keywatch (Settings → Targets), so Keywatch cannot check that key${keyIds.length > 1 ? 's' : ''} ${keyIds.join(', ')} can be had.`);
      continue;
    }
    const creds = await openKmsClientCredentials(prisma, box, target.id);
    if (!creds.certPem || !creds.keyPem) {
      problems.push(`KMS provider ${creds.name} has no client certificate yet, so Keywatch cannot check its keys.`);
      continue;
    }
    const nodes = await Promise.all(
      creds.nodes.map((n) => probeKmsNode({ host: n.host, port: n.port, caPem: creds.caPem, certPem: creds.certPem!, keyPem: creds.keyPem!, timeouts: CHECK_TIMEOUTS }, { keyIds, now })),
    );
    const reachable = nodes.filter((n) => n.reachable);
    if (reachable.length === 0) {
      const why = nodes.find((n) => n.error)?.error;
      problems.push(`None of ${creds.name}'s ${nodes.length} KMS nodes answers${why ? ` (${why})` : ''}, so vCenter could not fetch key${keyIds.length > 1 ? 's' : ''} ${keyIds.join(', ')} either.`);
      continue;
    }
    // vCenter asks any node it can reach; a key one reachable node serves is enough.
    const unservable = keyIds.filter((id) => reachable.every((n) => missingOnNode(n, [id]).length > 0));
    if (unservable.length > 0) {
      const detail = unservable.map((id) => {
        const seen = reachable.map((n) => n.keys.find((k) => k.id === id)).find((k) => k !== undefined);
        return `${id} (${seen?.state ?? seen?.status ?? 'not reported'}${seen?.message ? `: ${seen.message}` : ''})`;
      });
      problems.push(`${creds.name}'s reachable KMS nodes cannot give key${unservable.length > 1 ? 's' : ''} ${detail.join(', ')}.`);
    }
  }
  return { ok: problems.length === 0, problems };
}
