/**
 * One health probe of one KMS node, as every poll and readiness check runs it.
 *
 * Two KMIP round trips on one fresh connection: DiscoverVersions (what the server speaks), then
 * a single batched message with Query and one GetAttributes per key (Batch Error Continuation =
 * Continue, so missing keys do not hide the others). A node that cannot be reached yields
 * `reachable: false` and one plain sentence; this function does not throw for node trouble.
 */
import tls from 'node:tls';
import { parseCertificateChain, summarizeDerCertificate, type CertificateSummary } from '../pki/certificates';
import { chooseProtocolVersion, KmipClient, type KmipClientOptions } from './client';
import {
  BatchErrorContinuationOption,
  CryptographicAlgorithm,
  enumName,
  formatProtocolVersion,
  ObjectType,
  Operation,
  QueryFunction,
  ResultReason,
  State,
} from './enums';
import { describeKmipFailure, KmipError, KmipTransportError, type KmipTransportFailure } from './errors';
import {
  decodeQueryResponse,
  encodeQueryRequest,
  getAttributesItem,
  getAttributesOutcome,
  KEY_SUMMARY_ATTRIBUTES,
  type GetAttributesOutcome,
} from './operations';
import { DEFAULT_TIMEOUTS, endpointLabel, peerCertificateChainDer, tlsServername } from './transport';
import { TtlvDecodeError } from './ttlv';

export type KmsProbeTarget = Omit<KmipClientOptions, 'poolSize' | 'protocolVersion'>;

/** The attributes the probe judges a key by: everything classifyKey reads from the summary. */
export const KEY_HEALTH_ATTRIBUTES: readonly string[] = KEY_SUMMARY_ATTRIBUTES;

export interface ProbeOptions {
  keyIds?: readonly string[];
  /** Clock for certificate days-left and the timestamp (tests pin it). */
  now?: Date;
}

export type KeyStatus = 'active' | 'not-active' | 'not-found' | 'error';

export interface KeyProbe {
  id: string;
  status: KeyStatus;
  /** State name as KMIP spells it without spaces: Active, PreActive, Deactivated, Compromised, Destroyed… */
  state?: string;
  objectType?: string;
  algorithm?: string;
  lengthBits?: number;
  activationDate?: string;
  /** Why, for not-found and error. */
  message?: string;
}

export interface CertificateReport {
  subject: string;
  issuer: string;
  sans: string[];
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  isCA: boolean;
  fingerprintSha256: string;
}

export interface KmsNodeProbe {
  endpoint: string;
  host: string;
  port: number;
  checkedAt: string;
  /** KMIP answered (TCP, TLS both ways and DiscoverVersions succeeded). */
  reachable: boolean;
  /** Reachable, a common protocol version, and every requested key active. */
  healthy: boolean;
  /** One operator sentence when something is wrong with the node itself. */
  error?: string;
  failure?: KmipTransportFailure | 'kmip' | 'malformed';
  tcpConnectMs?: number;
  tlsHandshakeMs?: number;
  tlsProtocol?: string;
  /** Round trip of the DiscoverVersions request on the established connection. */
  latencyMs?: number;
  /** Round trip of the batched Query + GetAttributes message. */
  batchRoundTripMs?: number;
  /** KMIP request messages sent (2 when all goes well, whatever the number of keys). */
  roundTrips: number;
  serverCertificate?: CertificateReport;
  serverCertificateChain?: CertificateReport[];
  clientCertificate?: CertificateReport;
  /** Versions the server offers, most preferred first, e.g. ["2.0", "1.4", …]. */
  versions?: string[];
  negotiatedVersion?: string;
  server?: {
    vendorIdentification?: string;
    operations: string[];
    objectTypes: string[];
    serverInformation?: Record<string, string>;
  };
  keys: KeyProbe[];
  keyCounts: Record<KeyStatus, number>;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

function certificateReport(c: CertificateSummary): CertificateReport {
  return {
    subject: c.subject,
    issuer: c.issuer,
    sans: c.sans,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    daysLeft: c.daysLeft,
    isCA: c.isCA,
    fingerprintSha256: c.fingerprintSha256,
  };
}

/**
 * The server's certificate chain read without trusting it, so an expired or foreign certificate
 * can still be shown to the operator. Our client certificate is offered because servers that
 * demand one abort the handshake otherwise; it is public anyway. No KMIP data is sent.
 */
async function readUntrustedServerChain(target: KmsProbeTarget, timeoutMs: number): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const servername = tlsServername(target);
    let socket: tls.TLSSocket;
    try {
      socket = tls.connect({
        host: target.host,
        port: target.port,
        servername,
        cert: target.certPem,
        key: target.keyPem,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
      });
    } catch {
      resolve([]);
      return;
    }
    const done = (chain: Buffer[]) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chain);
    };
    const timer = setTimeout(() => done([]), timeoutMs);
    socket.once('secureConnect', () => done(peerCertificateChainDer(socket)));
    socket.once('error', () => done([]));
  });
}

const SERVER_CERT_FAILURES: ReadonlySet<KmipTransportFailure> = new Set([
  'server-cert-untrusted',
  'server-cert-self-signed',
  'server-cert-expired',
  'server-cert-not-yet-valid',
  'hostname-mismatch',
]);

function classifyKey(id: string, outcome: GetAttributesOutcome | undefined, endpoint: string): KeyProbe {
  if (!outcome) return { id, status: 'error', message: 'no answer for this key' };
  if (!outcome.ok) {
    const reason = outcome.error.resultReason;
    if (reason === ResultReason.ItemNotFound || reason === ResultReason.ObjectNotFound) {
      return { id, status: 'not-found', message: outcome.error.resultMessage ?? 'Item Not Found' };
    }
    return { id, status: 'error', message: describeKmipFailure(outcome.error, endpoint) };
  }
  const s = outcome.summary;
  const key: KeyProbe = { id, status: 'error' };
  if (s.objectType !== undefined) key.objectType = enumName(ObjectType, s.objectType);
  if (s.cryptographicAlgorithm !== undefined) key.algorithm = enumName(CryptographicAlgorithm, s.cryptographicAlgorithm);
  if (s.cryptographicLength !== undefined) key.lengthBits = s.cryptographicLength;
  if (s.activationDate !== undefined) key.activationDate = s.activationDate.toISOString();
  if (s.state === undefined) {
    key.message = 'the server did not report the key State';
    return key;
  }
  key.state = enumName(State, s.state);
  key.status = s.state === State.Active ? 'active' : 'not-active';
  return key;
}

function countKeys(keys: KeyProbe[]): Record<KeyStatus, number> {
  const counts: Record<KeyStatus, number> = { active: 0, 'not-active': 0, 'not-found': 0, error: 0 };
  for (const k of keys) counts[k.status]++;
  return counts;
}

function failureOf(err: unknown): KmsNodeProbe['failure'] {
  if (err instanceof KmipTransportError) return err.failure;
  if (err instanceof KmipError) return 'kmip';
  if (err instanceof TtlvDecodeError) return 'malformed';
  return undefined;
}

export async function probeKmsNode(target: KmsProbeTarget, options: ProbeOptions = {}): Promise<KmsNodeProbe> {
  const now = options.now ?? new Date();
  const keyIds = [...(options.keyIds ?? [])];
  const endpoint = endpointLabel(target.host, target.port);
  const result: KmsNodeProbe = {
    endpoint,
    host: target.host,
    port: target.port,
    checkedAt: now.toISOString(),
    reachable: false,
    healthy: false,
    keys: [],
    keyCounts: countKeys([]),
    roundTrips: 0,
  };

  if (target.certPem) {
    try {
      const [leaf] = parseCertificateChain(target.certPem, now);
      if (leaf) result.clientCertificate = certificateReport(leaf);
    } catch {
      // An unreadable client certificate shows up as the connection failure below.
    }
  }

  const client = new KmipClient({ ...target, poolSize: 1 });
  let stage: 'connect' | 'versions' | 'batch' = 'connect';
  try {
    // Connect first so that the DiscoverVersions round trip below measures KMIP latency alone.
    // The pool holds one connection, so this is the one every request below uses.
    const opened = await client.transport.withConnection(async (conn) => ({
      timings: conn.timings,
      tlsProtocol: conn.tlsProtocol,
      chainDer: conn.peerCertificateChainDer(),
    }));
    result.tcpConnectMs = round(opened.timings.connectMs);
    result.tlsHandshakeMs = round(opened.timings.handshakeMs);
    result.tlsProtocol = opened.tlsProtocol ?? undefined;
    const chain = opened.chainDer.map((der) => certificateReport(summarizeDerCertificate(der, now)));
    if (chain[0]) result.serverCertificate = chain[0];
    result.serverCertificateChain = chain;
    stage = 'versions';
    const versionsStarted = performance.now();
    const offered = await client.discoverVersions();
    result.latencyMs = round(performance.now() - versionsStarted);
    result.reachable = true;
    result.versions = offered.map(formatProtocolVersion);
    const version = chooseProtocolVersion(offered);
    result.negotiatedVersion = formatProtocolVersion(version);
    client.adoptProtocolVersion(version);

    stage = 'batch';
    const batchStarted = performance.now();
    const outcomes = await client.send(
      [
        {
          operation: Operation.Query,
          payload: encodeQueryRequest([QueryFunction.QueryOperations, QueryFunction.QueryObjects, QueryFunction.QueryServerInformation]),
        },
        ...keyIds.map((id) => getAttributesItem(id, KEY_HEALTH_ATTRIBUTES)),
      ],
      { batchErrorContinuationOption: BatchErrorContinuationOption.Continue },
    );
    result.batchRoundTripMs = round(performance.now() - batchStarted);

    const [queryOutcome, ...keyOutcomes] = outcomes;
    if (queryOutcome?.ok) {
      const q = decodeQueryResponse(queryOutcome.item.payload ?? []);
      result.server = {
        operations: q.operations.map((o) => enumName(Operation, o)),
        objectTypes: q.objectTypes.map((o) => enumName(ObjectType, o)),
        ...(q.vendorIdentification !== undefined && { vendorIdentification: q.vendorIdentification }),
        ...(q.serverInformation !== undefined && { serverInformation: q.serverInformation }),
      };
    }
    result.keys = keyIds.map((id, i) => {
      const o = keyOutcomes[i];
      if (o === undefined) return classifyKey(id, undefined, endpoint);
      try {
        return classifyKey(id, getAttributesOutcome(id, o), endpoint);
      } catch (err) {
        return { id, status: 'error' as const, message: describeKmipFailure(err, endpoint) };
      }
    });
    result.keyCounts = countKeys(result.keys);
    // Query is informational; a server that refuses it is still healthy if its keys are.
    result.healthy = result.keys.every((k) => k.status === 'active');
  } catch (err) {
    result.error = describeKmipFailure(err, endpoint);
    // A KMIP-level refusal (e.g. a 1.0-only server rejecting DiscoverVersions) is still an answer.
    if (err instanceof KmipError) result.reachable = true;
    const failure = failureOf(err);
    if (failure) result.failure = failure;
    if (stage === 'connect' && err instanceof KmipTransportError && SERVER_CERT_FAILURES.has(err.failure)) {
      const handshakeMs = target.timeouts?.handshakeMs ?? DEFAULT_TIMEOUTS.handshakeMs;
      const chain = (await readUntrustedServerChain(target, handshakeMs)).map((der) => certificateReport(summarizeDerCertificate(der, now)));
      if (chain[0]) result.serverCertificate = chain[0];
      if (chain.length) result.serverCertificateChain = chain;
    }
    if (keyIds.length && result.keys.length === 0) {
      result.keys = keyIds.map((id) => ({ id, status: 'error', message: result.error }));
      result.keyCounts = countKeys(result.keys);
    }
  } finally {
    result.roundTrips = client.messagesSent;
    client.close();
  }
  return result;
}
