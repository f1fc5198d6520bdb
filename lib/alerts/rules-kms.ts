/**
 * Alerts raised from one KMS provider target's stored observations: nodes down (after two failed
 * probes in a row, so one lost packet does not page anyone), the cluster degraded, keys missing
 * on a node (a replication gap) or not Active, and server / client certificates near expiry.
 */
import type { KmsNodeKey, KmsNodeState } from '../db/generated/client';
import type { Row } from '../observations/vcenter-rows';
import { CERT_CRITICAL_DAYS, CERT_WARN_DAYS, daysLeft, steps, type AlertCondition, type Severity } from './catalog';
import { describeKeyUse, type KeyUse } from './facts';

/** Failed probes in a row before KMS_NODE_DOWN opens. */
export const NODE_DOWN_AFTER_FAILURES = 2;

export interface KmsAlertInput {
  target: { id: string; name: string; keyProviderId: string };
  nodes: Row<KmsNodeState>[];
  keys: Row<KmsNodeKey>[];
  /** Where each key is used (only keys with a problem need an entry). */
  keyUse: Map<string, KeyUse>;
  /** vCenter's names of the nodes ("kms-1"), by "address:port". */
  nodeNames: Map<string, string>;
  now: Date;
}

function nodeLabel(input: KmsAlertInput, endpoint: string): string {
  const name = input.nodeNames.get(endpoint);
  return name ? `${name} (${endpoint})` : endpoint;
}

function certSeverity(days: number): Severity | null {
  if (days <= CERT_CRITICAL_DAYS) return 'critical';
  if (days <= CERT_WARN_DAYS) return 'warning';
  return null;
}

function expiryPhrase(days: number): string {
  if (days < 0) return `expired ${-days} day${days === -1 ? '' : 's'} ago`;
  if (days === 0) return 'expires today';
  return `expires in ${days} day${days === 1 ? '' : 's'}`;
}

export function kmsConditions(input: KmsAlertInput): AlertCondition[] {
  const { target } = input;
  const provider = target.keyProviderId;
  const out: AlertCondition[] = [];
  const down = input.nodes.filter((n) => n.consecutiveFailures >= NODE_DOWN_AFTER_FAILURES);

  for (const node of down) {
    const label = nodeLabel(input, node.endpoint);
    out.push({
      kind: 'KMS_NODE_DOWN',
      severity: 'warning',
      entityType: 'kmsNode',
      entityId: node.id,
      entityName: `${target.name} ${label}`,
      targetId: target.id,
      title: `KMS node ${label} of ${target.name} does not answer`,
      cause: `${node.error ?? `KMS node ${node.endpoint} did not answer KMIP.`} (${node.consecutiveFailures} failed probes in a row${node.downSince ? ` since ${node.downSince.toISOString()}` : ''}).`,
      runbook: steps(
        `Check the KMS service and its VM or appliance for ${label}: running, listening on ${node.endpoint}, certificate valid.`,
        `Check the network path from Keywatch and from the ESXi hosts to ${node.endpoint} (firewall, routing, a changed port or address).`,
        `Meanwhile vCenter and the hosts use the other nodes of ${provider}; before rebooting hosts that need keys from ${provider}, make sure at least one node answers and holds their keys.`,
      ),
      details: { provider, endpoint: node.endpoint, error: node.error, failure: node.failure, consecutiveFailures: node.consecutiveFailures },
    });
  }

  if (down.length > 0 && input.nodes.length > 0) {
    const all = down.length === input.nodes.length;
    out.push({
      kind: 'KMS_CLUSTER_DEGRADED',
      severity: all ? 'critical' : 'warning',
      entityType: 'kmsProvider',
      entityId: target.id,
      entityName: target.name,
      targetId: target.id,
      title: all ? `No KMS node of ${target.name} answers` : `${down.length} of ${input.nodes.length} KMS nodes of ${target.name} do not answer`,
      cause: all
        ? `None of the ${input.nodes.length} KMS nodes of ${provider} answers KMIP. Running hosts keep working on the keys they hold, but any host that reboots now cannot fetch its vSAN KEK or VM keys: its disk groups stay unmounted and its encrypted VMs locked.`
        : `${down.map((n) => nodeLabel(input, n.endpoint)).join(', ')} do not answer; the remaining node${input.nodes.length - down.length === 1 ? '' : 's'} carr${input.nodes.length - down.length === 1 ? 'ies' : 'y'} ${provider} alone, with less redundancy during an outage.`,
      runbook: all
        ? steps(
            `Do not reboot, power cycle or put into maintenance any host that needs keys from ${provider} until a node answers.`,
            `Restore at least one KMS node (service, VM, network path, certificates), then check its keys in Keywatch.`,
            'If hosts already rebooted, remount their disk groups (or reboot them again) once a node answers.',
          )
        : steps(`Restore the failed node${down.length === 1 ? '' : 's'} (see the KMS_NODE_DOWN alerts).`, `Check that the remaining nodes hold every key in use (KEY_MISSING_ON_NODE alerts).`),
      details: { provider, nodesDown: down.map((n) => n.endpoint), nodesTotal: input.nodes.length },
    });
  }

  const byKey = new Map<string, Row<KmsNodeKey>[]>();
  for (const k of input.keys) byKey.set(k.keyId, [...(byKey.get(k.keyId) ?? []), k]);
  for (const [keyId, states] of byKey) {
    const use = describeKeyUse(input.keyUse.get(keyId));
    const activeSomewhere = states.some((s) => s.status === 'active');
    for (const s of states.filter((x) => x.status === 'not-found')) {
      const label = nodeLabel(input, s.endpoint);
      out.push({
        kind: 'KEY_MISSING_ON_NODE',
        severity: activeSomewhere ? 'warning' : 'critical',
        entityType: 'kmsNodeKey',
        entityId: s.id,
        entityName: `key ${keyId} on ${label}`,
        targetId: target.id,
        title: `Key ${keyId} is missing on KMS node ${label}`,
        cause: `KMS node ${label} of ${provider} does not know key ${keyId}${activeSomewhere ? ', while other nodes have it: a replication gap' : ', and no node has it Active'}. The key is ${use}. A host that asks this node for it (nodes are tried in turn) gets "not found".`,
        runbook: activeSomewhere
          ? steps(
              `Check replication of ${provider}: the node may lag, or the key was deleted on it.`,
              `Re-replicate or restore key ${keyId} to ${label} from a node that has it (your KMS's sync or backup procedure).`,
              `Until then, do not rely on ${label} alone for hosts that need this key.`,
            )
          : steps(
              `Restore key ${keyId} on ${provider} from the KMS backup: without it, ${use} cannot be unlocked after a reboot.`,
              'Do not reboot hosts that need it, and do not power off VMs that use it, until it is back.',
            ),
        details: { provider, endpoint: s.endpoint, keyId, message: s.message },
      });
    }
    const notActive = states.filter((x) => x.status === 'not-active');
    if (notActive.length > 0) {
      const state = notActive[0]!.state ?? 'not Active';
      out.push({
        kind: 'KEY_NOT_ACTIVE',
        severity: 'warning',
        entityType: 'kmsKey',
        entityId: `${target.id}|${keyId}`,
        entityName: `key ${keyId} of ${target.name}`,
        targetId: target.id,
        title: `Key ${keyId} is ${state} on ${provider}`,
        cause: `Key ${keyId} is ${state} (not Active) on ${notActive.map((n) => nodeLabel(input, n.endpoint)).join(', ')}. It is ${use}. A deactivated key can still unwrap existing data, but vCenter reports it unavailable and it must not protect new data.`,
        runbook: steps(
          `Find out why it was revoked or deactivated (KMS audit log).`,
          `Rekey what uses it (a shallow rekey to a new key from ${provider}) and verify each object afterwards.`,
        ),
        details: { provider, keyId, state, nodes: notActive.map((n) => n.endpoint) },
      });
    }
  }

  for (const node of input.nodes) {
    if (!node.serverCertNotAfter) continue;
    const days = daysLeft(node.serverCertNotAfter, input.now);
    const severity = certSeverity(days);
    if (!severity) continue;
    const label = nodeLabel(input, node.endpoint);
    out.push({
      kind: 'KMS_CERT_EXPIRING',
      severity,
      entityType: 'kmsNode',
      entityId: node.id,
      entityName: `${target.name} ${label}`,
      targetId: target.id,
      title: `Server certificate of KMS node ${label} ${expiryPhrase(days)}`,
      cause: `The TLS certificate of ${label}${node.serverCertSubject ? ` (${node.serverCertSubject})` : ''} ${expiryPhrase(days)} (${node.serverCertNotAfter.toISOString().slice(0, 10)}). When it expires, vCenter, the hosts and Keywatch refuse the node.`,
      runbook: steps(
        `Renew the node's server certificate with the CA vCenter trusts for ${provider}, and install it on the node.`,
        'If the CA changes, update the CA bundle in vCenter (Key Providers) and in Keywatch (Settings → Targets) first.',
      ),
      details: { provider, endpoint: node.endpoint, notAfter: node.serverCertNotAfter.toISOString(), daysLeft: days },
    });
  }

  const clientNotAfter = input.nodes.map((n) => n.clientCertNotAfter).find((d): d is Date => d !== null);
  if (clientNotAfter) {
    const days = daysLeft(clientNotAfter, input.now);
    const severity = certSeverity(days);
    if (severity) {
      out.push({
        kind: 'CLIENT_CERT_EXPIRING',
        severity,
        entityType: 'kmsProvider',
        entityId: target.id,
        entityName: target.name,
        targetId: target.id,
        title: `Keywatch's client certificate for ${target.name} ${expiryPhrase(days)}`,
        cause: `The client certificate Keywatch presents to ${provider} ${expiryPhrase(days)} (${clientNotAfter.toISOString().slice(0, 10)}). After that the KMS refuses Keywatch and the key checks stop; vCenter's own client certificate is separate (check it in vCenter → Key Providers).`,
        runbook: steps(`Settings → Targets → ${target.name}: Generate CSR, have the KMS sign it, upload the signed certificate.`, 'Test connection to confirm every node accepts it.'),
        details: { provider, notAfter: clientNotAfter.toISOString(), daysLeft: days },
      });
    }
  }
  return out;
}
