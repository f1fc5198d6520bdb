/**
 * Key source for a lab vCenter started without a KMS (large benchmark estates, state-machine
 * tests): keys live in memory per provider, and a provider can be made unreachable. The
 * Native Key Provider always uses this, as NKP keys are derived inside vCenter.
 */
import { randomUUID } from 'node:crypto';
import type { KeyFetchOutcome, KeyFetchRequest, KeySource, KeyStateReport } from './key-source';

export class MemoryKeySource implements KeySource {
  private readonly keys = new Map<string, Set<string>>();
  private readonly unreachable = new Set<string>();
  private readonly revoked = new Set<string>();

  addKey(providerId: string, keyId: string): void {
    const set = this.keys.get(providerId) ?? new Set<string>();
    set.add(keyId);
    this.keys.set(providerId, set);
  }

  setReachable(providerId: string, reachable: boolean): void {
    if (reachable) this.unreachable.delete(providerId);
    else this.unreachable.add(providerId);
  }

  isReachable(providerId: string): boolean {
    return !this.unreachable.has(providerId);
  }

  async fetchKeys(request: KeyFetchRequest): Promise<KeyFetchOutcome> {
    const outcome: KeyFetchOutcome = new Map();
    const known = this.keys.get(request.providerId);
    for (const keyId of request.keyIds) {
      if (this.unreachable.has(request.providerId)) {
        outcome.set(keyId, { kind: 'unreachable', message: `Key provider ${request.providerId} is unreachable.` });
      } else if (!known?.has(keyId)) {
        outcome.set(keyId, { kind: 'missing', message: `Key ${keyId} does not exist on provider ${request.providerId}.` });
      } else {
        outcome.set(keyId, null);
      }
    }
    return outcome;
  }

  async keyState(providerId: string, keyId: string): Promise<KeyStateReport> {
    if (this.unreachable.has(providerId)) return { state: 'unreachable', detail: `Key provider ${providerId} is unreachable.` };
    if (!this.keys.get(providerId)?.has(keyId)) return { state: 'missing', detail: `Key ${keyId} does not exist on provider ${providerId}.` };
    if (this.revoked.has(keyId)) return { state: 'not-active', detail: `Key ${keyId} is Deactivated.` };
    return { state: 'active' };
  }

  async revokeKey(providerId: string, keyId: string): Promise<void> {
    if (!this.keys.get(providerId)?.has(keyId)) throw new Error(`Key ${keyId} does not exist on provider ${providerId}.`);
    this.revoked.add(keyId);
  }

  async createKey(providerId: string): Promise<string> {
    if (this.unreachable.has(providerId)) throw new Error(`Key provider ${providerId} is unreachable.`);
    const keyId = randomUUID();
    this.addKey(providerId, keyId);
    return keyId;
  }
}
