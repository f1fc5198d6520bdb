/**
 * Real key fetching for lab hosts: KMIP Get over mutual TLS against the standard provider's
 * nodes at their registered addresses, failing over from node to node (KMS nodes replicate, a
 * key may be missing on one of them). The lab keeps only key IDs: the material a Get returns
 * is dropped on the floor.
 */
import { KmipClient } from '@/lib/kmip/client';
import { KmipError, KmipTransportError } from '@/lib/kmip/errors';
import { enumName, State } from '@/lib/kmip/enums';
import type { KeyFetchFailure, KeyFetchOutcome, KeyFetchRequest, KeySource, KeyStateReport } from './key-source';
import type { KmsConnection, KmsNodeAddress } from '../kms-reachability';

const LAB_TIMEOUTS = { connectMs: 1500, handshakeMs: 2000, responseMs: 4000 };

export interface KmipKeySource extends KeySource {
  close(): Promise<void>;
}

export function createKmipKeySource(connection: KmsConnection): KmipKeySource {
  const clients = new Map<string, KmipClient>();

  const clientFor = (node: KmsNodeAddress): KmipClient => {
    let client = clients.get(node.id);
    if (!client) {
      client = new KmipClient({
        host: node.host,
        port: node.port,
        caPem: connection.caPem,
        certPem: connection.client.certPem,
        keyPem: connection.client.keyPem,
        timeouts: LAB_TIMEOUTS,
        poolSize: 2,
      });
      clients.set(node.id, client);
    }
    return client;
  };

  // A node that failed at the transport level gets a fresh client next time (it may be back).
  const dropClient = (node: KmsNodeAddress) => {
    clients.get(node.id)?.close();
    clients.delete(node.id);
  };

  return {
    async fetchKeys(request: KeyFetchRequest): Promise<KeyFetchOutcome> {
      const outcome: KeyFetchOutcome = new Map();
      let remaining = [...new Set(request.keyIds)];
      const unreachable: string[] = [];
      const refusals = new Map<string, string[]>();
      for (const node of connection.nodes) {
        if (remaining.length === 0) break;
        const client = clientFor(node);
        const results = await Promise.all(
          remaining.map(async (keyId) => {
            try {
              await client.get(keyId);
              return { keyId, ok: true as const };
            } catch (error) {
              return { keyId, ok: false as const, error };
            }
          }),
        );
        const transport = results.find((r) => !r.ok && r.error instanceof KmipTransportError);
        if (transport && !transport.ok) {
          unreachable.push(`${node.id}: ${(transport.error as Error).message}`);
          dropClient(node);
        }
        for (const r of results) {
          if (r.ok) outcome.set(r.keyId, null);
          else if (r.error instanceof KmipError) {
            const list = refusals.get(r.keyId) ?? [];
            list.push(`${node.id}: ${r.error.message}`);
            refusals.set(r.keyId, list);
          }
        }
        remaining = remaining.filter((id) => !outcome.has(id));
      }
      for (const keyId of remaining) {
        const refused = refusals.get(keyId);
        const failure: KeyFetchFailure = refused
          ? { kind: 'missing', message: `Key ${keyId} is not available on the reachable KMS nodes of ${request.providerId} (${refused.join('; ')}).` }
          : { kind: 'unreachable', message: `No KMS node of ${request.providerId} answered (${unreachable.join('; ') || 'no node configured'}).` };
        outcome.set(keyId, failure);
      }
      return outcome;
    },

    async keyState(providerId: string, keyId: string): Promise<KeyStateReport> {
      const refused: string[] = [];
      const unreachable: string[] = [];
      for (const node of connection.nodes) {
        try {
          const [outcome] = await clientFor(node).getAttributes([keyId]);
          if (outcome?.ok) {
            const state = outcome.summary.state;
            if (state === State.Active) return { state: 'active' };
            return { state: 'not-active', detail: `Key ${keyId} is ${state === undefined ? 'in an unknown state' : enumName(State, state)} on ${node.id}.` };
          }
          if (outcome) refused.push(`${node.id}: ${outcome.error.message}`);
        } catch (error) {
          if (error instanceof KmipTransportError) dropClient(node);
          unreachable.push(`${node.id}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return refused.length > 0
        ? { state: 'missing', detail: `Key ${keyId} is not on the reachable KMS nodes of ${providerId} (${refused.join('; ')}).` }
        : { state: 'unreachable', detail: `No KMS node of ${providerId} answered (${unreachable.join('; ')}).` };
    },

    async revokeKey(providerId: string, keyId: string): Promise<void> {
      const errors: string[] = [];
      for (const node of connection.nodes) {
        try {
          await clientFor(node).revoke(keyId);
          return;
        } catch (error) {
          if (error instanceof KmipTransportError) dropClient(node);
          errors.push(`${node.id}: ${error instanceof Error ? error.message : String(error)}`);
          if (error instanceof KmipError) break;
        }
      }
      throw new Error(`Could not revoke key ${keyId} on provider ${providerId} (${errors.join('; ')}).`);
    },

    /** KMIP Create + Activate on the first node that answers (GenerateKey, rekey targets). */
    async createKey(providerId: string, name: string): Promise<string> {
      const errors: string[] = [];
      for (const node of connection.nodes) {
        try {
          const client = clientFor(node);
          const id = await client.create({ name });
          await client.activate(id);
          return id;
        } catch (error) {
          if (error instanceof KmipTransportError) dropClient(node);
          errors.push(`${node.id}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      throw new Error(`Could not create a key on provider ${providerId} (${errors.join('; ')}).`);
    },

    async close(): Promise<void> {
      for (const client of clients.values()) client.close();
      clients.clear();
    },
  };
}
