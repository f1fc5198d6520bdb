/**
 * The two ways talking to a KMS fails, and the one sentence an operator reads about each.
 *
 * - KmipError: the server answered and said no (Result Status / Reason / Message).
 * - KmipTransportError: we never got a usable answer (socket, TLS, timeouts, framing).
 * TtlvDecodeError (ttlv.ts) covers answers that are not valid KMIP.
 */
import { enumName, Operation, ResultReason, ResultStatus } from './enums';
import { TtlvDecodeError } from './ttlv';

export class KmipError extends Error {
  override readonly name = 'KmipError';
  readonly resultStatus: number;
  readonly resultReason: number | undefined;
  readonly resultMessage: string | undefined;
  readonly operation: number | undefined;

  constructor(fields: { resultStatus: number; resultReason?: number; resultMessage?: string; operation?: number }) {
    const op = fields.operation === undefined ? 'KMIP request' : enumName(Operation, fields.operation);
    const reason = fields.resultReason === undefined ? enumName(ResultStatus, fields.resultStatus) : enumName(ResultReason, fields.resultReason);
    super(`${op} failed: ${reason}${fields.resultMessage ? ` (${fields.resultMessage})` : ''}`);
    this.resultStatus = fields.resultStatus;
    this.resultReason = fields.resultReason;
    this.resultMessage = fields.resultMessage;
    this.operation = fields.operation;
  }

  get reasonName(): string | undefined {
    return this.resultReason === undefined ? undefined : enumName(ResultReason, this.resultReason);
  }
}

export type KmipTransportFailure =
  | 'refused'
  | 'dns'
  | 'unreachable'
  | 'connect-timeout'
  | 'handshake-timeout'
  | 'response-timeout'
  | 'server-cert-untrusted'
  | 'server-cert-self-signed'
  | 'server-cert-expired'
  | 'server-cert-not-yet-valid'
  | 'hostname-mismatch'
  | 'client-cert-rejected'
  | 'client-cert-invalid'
  | 'ca-invalid'
  | 'tls-failed'
  | 'reset'
  | 'closed'
  | 'too-large'
  | 'not-kmip'
  | 'pool-closed';

export class KmipTransportError extends Error {
  override readonly name = 'KmipTransportError';
  constructor(
    readonly failure: KmipTransportFailure,
    readonly endpoint: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/**
 * Maps a Node socket/TLS error seen in a given phase to a failure kind. `phase` matters because
 * the same ECONNRESET means "rejected our certificate" during the handshake (or right after it,
 * under TLS 1.3, where the server checks the client certificate after the client is done) and
 * "connection dropped" later.
 */
export function classifySocketError(err: unknown, phase: 'connect' | 'handshake' | 'response'): KmipTransportFailure {
  const code = errorCode(err) ?? '';
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'unreachable';
    case 'ETIMEDOUT':
      return phase === 'connect' ? 'connect-timeout' : phase === 'handshake' ? 'handshake-timeout' : 'response-timeout';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_SIGNATURE_FAILURE':
    case 'CERT_UNTRUSTED':
    case 'CERT_REJECTED':
    // The chain ends in a root we do not trust: the usual "wrong CA bundle" case.
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'server-cert-untrusted';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'server-cert-self-signed';
    case 'CERT_HAS_EXPIRED':
      return 'server-cert-expired';
    case 'CERT_NOT_YET_VALID':
      return 'server-cert-not-yet-valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'hostname-mismatch';
    case 'ERR_OSSL_X509_KEY_VALUES_MISMATCH':
    case 'ERR_OSSL_PEM_NO_START_LINE':
    case 'ERR_OSSL_UNSUPPORTED':
      return 'client-cert-invalid';
    case 'ECONNRESET':
    case 'EPIPE':
      return phase === 'response' ? 'reset' : 'client-cert-rejected';
  }
  // Alerts the server sends about our certificate: "certificate required", "bad certificate",
  // "unknown ca", "certificate expired", "handshake failure" (OpenSSL codes ERR_SSL_*_ALERT_*).
  if (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_EXPIRED|CERTIFICATE_UNKNOWN|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|HANDSHAKE_FAILURE|ACCESS_DENIED|DECRYPT_ERROR)/.test(code)) {
    return 'client-cert-rejected';
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /SSL|TLS/.test(message)) return 'tls-failed';
  if (/socket hang up|disconnected|closed/i.test(message)) return phase === 'response' ? 'closed' : 'client-cert-rejected';
  return phase === 'connect' ? 'unreachable' : phase === 'handshake' ? 'tls-failed' : 'closed';
}

const sentences: Record<KmipTransportFailure, (ep: string) => string> = {
  refused: (ep) => `KMS ${ep} refused the connection (nothing listening — is the KMS down or on another port?)`,
  dns: (ep) => `KMS ${ep} could not be found: the host name does not resolve (check the address in the key provider settings)`,
  unreachable: (ep) => `KMS ${ep} is unreachable from Keywatch (no route to the host — check the network path and firewall)`,
  'connect-timeout': (ep) => `KMS ${ep} did not accept a TCP connection in time (host down, or a firewall is dropping packets)`,
  'handshake-timeout': (ep) => `KMS ${ep} accepted the connection but did not complete the TLS handshake in time (overloaded, or not a TLS service)`,
  'response-timeout': (ep) => `KMS ${ep} completed TLS but did not answer the KMIP request in time (server hung or overloaded)`,
  'server-cert-untrusted': (ep) => `KMS ${ep} presented a certificate not signed by the trusted CA (wrong CA bundle in Keywatch, or the KMS certificate was replaced)`,
  'server-cert-self-signed': (ep) => `KMS ${ep} presented a self-signed certificate that is not in the trusted CA bundle (add the KMS CA certificate to Keywatch)`,
  'server-cert-expired': (ep) => `KMS ${ep} presented an expired certificate (renew the KMS server certificate)`,
  'server-cert-not-yet-valid': (ep) => `KMS ${ep} presented a certificate that is not valid yet (check the clocks on the KMS and on Keywatch)`,
  'hostname-mismatch': (ep) => `KMS ${ep} presented a certificate issued for a different name (connect by a name in its SANs, or set the expected server name)`,
  'client-cert-rejected': (ep) => `KMS ${ep} rejected Keywatch's client certificate (missing, expired, or not signed by a CA the KMS trusts — make the KMS trust Keywatch)`,
  'client-cert-invalid': (ep) => `Keywatch's client certificate or key for KMS ${ep} is unusable (the key does not match the certificate, or the PEM is malformed)`,
  'ca-invalid': (ep) => `The trusted CA bundle configured for KMS ${ep} is not a readable PEM certificate bundle (paste the CA certificate in PEM form)`,
  'tls-failed': (ep) => `TLS with KMS ${ep} failed (no common protocol version or cipher — the KMS must offer TLS 1.2 or newer)`,
  reset: (ep) => `KMS ${ep} reset the connection while Keywatch waited for an answer (server crashed or a middlebox cut the session)`,
  closed: (ep) => `KMS ${ep} closed the connection without answering (server stopped, or it refused the request)`,
  'too-large': (ep) => `KMS ${ep} sent a response larger than Keywatch accepts (raise the maximum message size or ask for fewer keys at once)`,
  'not-kmip': (ep) => `KMS ${ep} answered with something that is not a KMIP message (is this port really the KMIP service?)`,
  'pool-closed': (ep) => `The connection to KMS ${ep} was closed by Keywatch before the request completed`,
};

export function transportSentence(failure: KmipTransportFailure, endpoint: string): string {
  return sentences[failure](endpoint);
}

/** One plain sentence for any failure met while talking to a KMS. */
export function describeKmipFailure(err: unknown, endpoint?: string): string {
  if (err instanceof KmipTransportError) return err.message;
  const ep = endpoint ?? 'server';
  if (err instanceof KmipError) {
    const reason = err.reasonName ?? enumName(ResultStatus, err.resultStatus);
    const op = err.operation === undefined ? 'a KMIP request' : `${enumName(Operation, err.operation)}`;
    return `KMS ${ep} refused ${op}: ${reason}${err.resultMessage ? ` — ${err.resultMessage}` : ''}`;
  }
  if (err instanceof TtlvDecodeError) {
    return `KMS ${ep} sent a malformed KMIP message (${err.code}: ${err.message})`;
  }
  if (err instanceof Error && errorCode(err)) {
    return transportSentence(classifySocketError(err, 'response'), ep);
  }
  return `Talking to KMS ${ep} failed: ${err instanceof Error ? err.message : String(err)}`;
}
