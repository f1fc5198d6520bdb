import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchErrorContinuationOption, Operation, ResultReason, ResultStatus } from './enums';
import {
  decodeRequestMessage,
  decodeResponseMessage,
  encodeRequestMessage,
  encodeResponseMessage,
  errorResponseMessage,
  failureItem,
  shouldContinueAfterFailure,
  successItem,
  type RequestMessage,
} from './messages';
import { encodeDiscoverVersionsRequest, encodeGetAttributesRequest } from './operations';
import { encodeTtlv, integer, structure, TtlvDecodeError } from './ttlv';
import { Tag } from './tags';

// Bytes produced by PyKMIP 0.10 (kmip.core.messages) for the same messages, so our encoding is
// checked against an independent implementation, not against itself.
const PYKMIP_DISCOVER_VERSIONS_REQUEST =
  '42007801000000b04200770100000038420069010000002042006a0200000004000000010000000042006b0200000004000000010000000042000d0200000004000000010000000042000f010000006842005c05000000040000001e000000004200790100000050420069010000002042006a0200000004000000010000000042006b02000000040000000400000000420069010000002042006a0200000004000000010000000042006b02000000040000000100000000';
const PYKMIP_BATCHED_GET_ATTRIBUTES_REQUEST =
  '42007801000001304200770100000048420069010000002042006a0200000004000000010000000042006b0200000004000000040000000042000e0500000004000000010000000042000d0200000004000000020000000042000f010000006842005c05000000040000000b000000004200930800000001000000000000000042007901000000404200940700000001310000000000000042000a0700000005537461746500000042000a070000001443727970746f67726170686963204c656e6774680000000042000f010000006842005c05000000040000000b0000000042009308000000010100000000000000420079010000004042009407000000076d697373696e670042000a0700000005537461746500000042000a070000001443727970746f67726170686963204c656e67746800000000';
const PYKMIP_FAILED_RESPONSE =
  '42007b01000000c042007a0100000048420069010000002042006a0200000004000000010000000042006b020000000400000004000000004200920900000008000000006553f10042000d0200000004000000010000000042000f010000006842005c05000000040000000b000000004200930800000001010000000000000042007f0500000004000000010000000042007e0500000004000000010000000042007d0700000020436f756c64206e6f74206c6f63617465206f626a6563743a206d697373696e67';

// KMIP 1.1 Test Cases (OASIS), "Discover Versions" use case: request with a 1.1 header and no
// versions listed — exactly what KmipClient.discoverVersions() sends.
const SPEC_TESTCASE_DISCOVER_VERSIONS_EMPTY =
  '42007801000000604200770100000038420069010000002042006a02000000040000000100000000' +
  '42006b0200000004000000010000000042000d02000000040000000100000000' +
  '42000f010000001842005c05000000040000001e000000004200790100000000';

describe('request messages', () => {
  it('encodes the spec test case for DiscoverVersions without versions', () => {
    const msg: RequestMessage = {
      header: { protocolVersion: { major: 1, minor: 1 } },
      batchItems: [{ operation: Operation.DiscoverVersions, payload: encodeDiscoverVersionsRequest([]) }],
    };
    expect(encodeRequestMessage(msg).toString('hex')).toBe(SPEC_TESTCASE_DISCOVER_VERSIONS_EMPTY);
    expect(decodeRequestMessage(Buffer.from(SPEC_TESTCASE_DISCOVER_VERSIONS_EMPTY, 'hex'))).toEqual(msg);
  });

  it('encodes DiscoverVersions exactly as PyKMIP does', () => {
    const msg: RequestMessage = {
      header: { protocolVersion: { major: 1, minor: 1 } },
      batchItems: [
        { operation: Operation.DiscoverVersions, payload: encodeDiscoverVersionsRequest([{ major: 1, minor: 4 }, { major: 1, minor: 1 }]) },
      ],
    };
    expect(encodeRequestMessage(msg).toString('hex')).toBe(PYKMIP_DISCOVER_VERSIONS_REQUEST);
    expect(decodeRequestMessage(Buffer.from(PYKMIP_DISCOVER_VERSIONS_REQUEST, 'hex'))).toEqual(msg);
  });

  it('encodes a batched GetAttributes with Batch Error Continuation exactly as PyKMIP does', () => {
    const msg: RequestMessage = {
      header: { protocolVersion: { major: 1, minor: 4 }, batchErrorContinuationOption: BatchErrorContinuationOption.Continue },
      batchItems: ['1', 'missing'].map((id, i) => ({
        operation: Operation.GetAttributes,
        uniqueBatchItemId: Uint8Array.of(i),
        payload: encodeGetAttributesRequest({ uniqueIdentifier: id, attributeNames: ['State', 'Cryptographic Length'] }),
      })),
    };
    expect(encodeRequestMessage(msg).toString('hex')).toBe(PYKMIP_BATCHED_GET_ATTRIBUTES_REQUEST);
    const decoded = decodeRequestMessage(Buffer.from(PYKMIP_BATCHED_GET_ATTRIBUTES_REQUEST, 'hex'));
    expect(decoded).toEqual(msg);
    expect(shouldContinueAfterFailure(decoded.header)).toBe(true);
  });

  it('round-trips every optional header field', () => {
    const msg: RequestMessage = {
      header: {
        protocolVersion: { major: 1, minor: 2 },
        maximumResponseSize: 4096,
        batchErrorContinuationOption: BatchErrorContinuationOption.Stop,
        batchOrderOption: true,
        timeStamp: new Date('2026-01-02T03:04:05Z'),
      },
      batchItems: [{ operation: Operation.Query, payload: [] }],
    };
    expect(decodeRequestMessage(encodeRequestMessage(msg))).toEqual(msg);
    expect(shouldContinueAfterFailure(msg.header)).toBe(false);
  });

  it('rejects a batch count that disagrees with the batch items', () => {
    const bytes = encodeTtlv(
      structure(Tag.RequestMessage, [
        structure(Tag.RequestHeader, [
          structure(Tag.ProtocolVersion, [integer(Tag.ProtocolVersionMajor, 1), integer(Tag.ProtocolVersionMinor, 4)]),
          integer(Tag.BatchCount, 3),
        ]),
      ]),
    );
    expect(() => decodeRequestMessage(bytes)).toThrow(/declares 3 batch items/);
  });

  it('rejects a response where a request is expected and a header without a version', () => {
    expect(() => decodeRequestMessage(Buffer.from(PYKMIP_FAILED_RESPONSE, 'hex'))).toThrow(TtlvDecodeError);
    const noVersion = encodeTtlv(structure(Tag.RequestMessage, [structure(Tag.RequestHeader, [integer(Tag.BatchCount, 0)])]));
    expect(() => decodeRequestMessage(noVersion)).toThrow(/missing ProtocolVersion/);
  });
});

describe('response messages', () => {
  it('decodes a PyKMIP failure response and re-encodes it byte for byte', () => {
    const decoded = decodeResponseMessage(Buffer.from(PYKMIP_FAILED_RESPONSE, 'hex'));
    expect(decoded.header).toEqual({ protocolVersion: { major: 1, minor: 4 }, timeStamp: new Date(1700000000 * 1000) });
    expect(decoded.batchItems).toEqual([
      {
        operation: Operation.GetAttributes,
        uniqueBatchItemId: Uint8Array.of(1),
        resultStatus: ResultStatus.OperationFailed,
        resultReason: ResultReason.ItemNotFound,
        resultMessage: 'Could not locate object: missing',
      },
    ]);
    expect(encodeResponseMessage(decoded).toString('hex')).toBe(PYKMIP_FAILED_RESPONSE);
  });

  it('builds success, failure and message-level error responses for servers', () => {
    const request = { operation: Operation.Activate, uniqueBatchItemId: Uint8Array.of(7), payload: [] };
    const now = new Date('2026-01-01T00:00:00Z');
    const msg = {
      header: { protocolVersion: { major: 1, minor: 4 }, timeStamp: now },
      batchItems: [successItem(request, []), failureItem(request, ResultReason.PermissionDenied, 'no')],
    };
    const back = decodeResponseMessage(encodeResponseMessage(msg));
    expect(back.batchItems[0]).toMatchObject({ operation: Operation.Activate, resultStatus: ResultStatus.Success, payload: [] });
    expect(back.batchItems[1]).toMatchObject({ resultStatus: ResultStatus.OperationFailed, resultReason: ResultReason.PermissionDenied });
    expect(back.batchItems[1]?.uniqueBatchItemId).toEqual(Uint8Array.of(7));

    const err = decodeResponseMessage(encodeResponseMessage(errorResponseMessage({ major: 1, minor: 1 }, ResultReason.InvalidMessage, 'bad', now)));
    expect(err.batchItems).toEqual([{ resultStatus: ResultStatus.OperationFailed, resultReason: ResultReason.InvalidMessage, resultMessage: 'bad' }]);
  });

  it('mangled responses only ever fail with TtlvDecodeError', () => {
    const good = Buffer.from(PYKMIP_FAILED_RESPONSE, 'hex');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (flips, cut) => {
        const bytes = Buffer.from(good);
        for (const [pos, val] of flips) bytes[pos % bytes.length] = val;
        try {
          decodeResponseMessage(bytes.subarray(0, bytes.length - (cut % 3 === 0 ? cut % bytes.length : 0)));
        } catch (err) {
          expect(err).toBeInstanceOf(TtlvDecodeError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
