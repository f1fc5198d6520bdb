import { describe, expect, it } from 'vitest';
import { Operation, ResultReason, ResultStatus } from './enums';
import { classifySocketError, describeKmipFailure, KmipError } from './errors';
import { TtlvDecodeError } from './ttlv';

const sys = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifySocketError', () => {
  it.each([
    ['ECONNREFUSED', 'connect', 'refused'],
    ['ENOTFOUND', 'connect', 'dns'],
    ['EHOSTUNREACH', 'connect', 'unreachable'],
    ['ETIMEDOUT', 'connect', 'connect-timeout'],
    ['ETIMEDOUT', 'response', 'response-timeout'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'handshake', 'server-cert-untrusted'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'handshake', 'server-cert-untrusted'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'handshake', 'server-cert-self-signed'],
    ['CERT_HAS_EXPIRED', 'handshake', 'server-cert-expired'],
    ['CERT_NOT_YET_VALID', 'handshake', 'server-cert-not-yet-valid'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'handshake', 'hostname-mismatch'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'handshake', 'client-cert-rejected'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'handshake', 'client-cert-rejected'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'response', 'client-cert-rejected'],
    ['ECONNRESET', 'handshake', 'client-cert-rejected'],
    ['ECONNRESET', 'response', 'reset'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'handshake', 'tls-failed'],
  ] as const)('%s during %s is %s', (code, phase, expected) => {
    expect(classifySocketError(sys(code), phase)).toBe(expected);
  });
});

describe('describeKmipFailure', () => {
  it('names the operation, the reason and the server message of a KMIP failure', () => {
    const err = new KmipError({
      resultStatus: ResultStatus.OperationFailed,
      resultReason: ResultReason.ItemNotFound,
      resultMessage: 'Could not locate object: 7',
      operation: Operation.GetAttributes,
    });
    expect(err.message).toBe('GetAttributes failed: ItemNotFound (Could not locate object: 7)');
    expect(describeKmipFailure(err, 'kms1:5696')).toBe('KMS kms1:5696 refused GetAttributes: ItemNotFound — Could not locate object: 7');
  });

  it('covers malformed answers, raw socket errors and anything else in one line', () => {
    expect(describeKmipFailure(new TtlvDecodeError('bad-padding', 'non-zero padding'), 'k:1')).toBe(
      'KMS k:1 sent a malformed KMIP message (bad-padding: non-zero padding)',
    );
    expect(describeKmipFailure(sys('ECONNREFUSED'), 'k:1')).toMatch(/^KMS k:1 refused the connection/);
    const line = describeKmipFailure('weird');
    expect(line).not.toContain('\n');
    expect(line).toContain('weird');
  });
});
