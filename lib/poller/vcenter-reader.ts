/**
 * One read of one vCenter: the estate (readEstate), vCenter's own connection to each KMS server
 * (RetrieveKmipServersStatus) and its answer on every key the estate uses (QueryCryptoKeyStatus).
 * The two provider-view calls are extras: when one fails the reading stands and says why.
 */
import type { KeyRef } from '../vsphere/crypto-manager';
import { KEY_STATUS_CHECK } from '../vsphere/crypto-manager';
import { VsphereClient } from '../vsphere/client';
import type { VcenterCredentials } from '../targets/store';
import type { VcenterReading } from '../observations/readings';
import { keyRefsOf } from '../observations/vcenter-rows';
import { describePollFailure } from './failure';

export interface VcenterReadOptions {
  /** Per HTTP request. */
  requestTimeoutMs: number;
  /** Requests in flight at once against this vCenter (default 32). */
  maxConcurrency?: number;
  /** Keys per QueryCryptoKeyStatus call. */
  keyBatch?: number;
}

export async function readVcenter(creds: VcenterCredentials, opts: VcenterReadOptions, signal?: AbortSignal): Promise<VcenterReading> {
  const client = new VsphereClient({
    baseUrl: creds.url,
    username: creds.username,
    password: creds.password,
    caPem: creds.caPem ?? undefined,
    timeoutMs: opts.requestTimeoutMs,
    // Two per-host calls make up almost all of a read's requests (5,000 on 2,500 hosts): against a
    // vCenter 50 ms away, 16 in flight spend ≈ 16 s waiting, 32 ≈ 8 s (README: Benchmarks, poll).
    maxConcurrency: opts.maxConcurrency ?? 32,
  });
  // An abandoned read closes its connections rather than finishing in the background.
  const abort = () => void client.close().catch(() => undefined);
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const estate = await client.readEstate();
    const readErrors: string[] = [];
    const extra = async <T>(what: string, job: () => Promise<T>): Promise<T | null> => {
      try {
        return await job();
      } catch (err) {
        readErrors.push(`${what}: ${describePollFailure(err, creds.name)}`);
        return null;
      }
    };
    const keys: KeyRef[] = keyRefsOf(estate);
    const batch = opts.keyBatch ?? 1000;
    const [kmipStatus, keyStatus] = await Promise.all([
      extra("vCenter's KMS server status", async () => {
        const clusters = await client.listKmipServers();
        return clusters.length > 0 ? client.retrieveKmipServersStatus(clusters, { timeoutMs: opts.requestTimeoutMs, pollIntervalMs: 250 }) : [];
      }),
      extra("vCenter's key status", async () => {
        const chunks: KeyRef[][] = [];
        for (let i = 0; i < keys.length; i += batch) chunks.push(keys.slice(i, i + batch));
        return (await Promise.all(chunks.map((c) => client.queryCryptoKeyStatus(c, KEY_STATUS_CHECK.available)))).flat();
      }),
    ]);
    return { estate, kmipStatus, keyStatus, readErrors, requests: client.requestCount };
  } finally {
    signal?.removeEventListener('abort', abort);
    if (!signal?.aborted) await client.close().catch(() => undefined);
  }
}
