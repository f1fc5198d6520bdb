import { describe, expect, it } from 'vitest';
import {
  BatchErrorContinuationOption,
  CryptographicAlgorithm,
  ObjectType,
  Operation,
  QueryFunction,
  ResultReason,
  ResultStatus,
  RevocationReasonCode,
  State,
} from '@/lib/kmip/enums';
import { decodeResponseMessage, encodeRequestMessage, type RequestBatchItem, type RequestHeader, type ResponseMessage } from '@/lib/kmip/messages';
import {
  AttributeName,
  decodeCreateResponse,
  decodeDiscoverVersionsResponse,
  decodeGetAttributesResponse,
  decodeGetResponse,
  decodeLocateResponse,
  decodeQueryResponse,
  encodeCreateRequest,
  encodeDiscoverVersionsRequest,
  encodeGetAttributesRequest,
  encodeGetRequest,
  encodeIdentifierRequest,
  encodeLocateRequest,
  encodeQueryRequest,
  encodeRevokeRequest,
  enumAttribute,
  integerAttribute,
  nameAttribute,
  summarizeAttributes,
  type KmipAttribute,
} from '@/lib/kmip/operations';
import { encodeTtlv, integer, structure } from '@/lib/kmip/ttlv';
import { Tag } from '@/lib/kmip/tags';
import { KeyStore } from './key-store';
import { handleRequestBytes, type KmipHandlerContext } from './kmip-handler';

const V12 = { major: 1, minor: 2 };

function context(store = KeyStore.inMemory()): KmipHandlerContext & { changed: string[] } {
  const changed: string[] = [];
  return { store, serverName: 'kms-test', clientIdentity: 'keywatch', onKeyChanged: (k) => changed.push(k.id), changed };
}

function send(ctx: KmipHandlerContext, items: RequestBatchItem[], header: Partial<RequestHeader> = {}): ResponseMessage {
  const bytes = encodeRequestMessage({ header: { protocolVersion: V12, ...header }, batchItems: items });
  return decodeResponseMessage(handleRequestBytes(bytes, ctx));
}

const aesAttributes = (extra: KmipAttribute[] = []): KmipAttribute[] => [
  enumAttribute(AttributeName.CryptographicAlgorithm, CryptographicAlgorithm.Aes),
  integerAttribute(AttributeName.CryptographicLength, 256),
  ...extra,
];
const createItem = (extra: KmipAttribute[] = []): RequestBatchItem => ({
  operation: Operation.Create,
  payload: encodeCreateRequest({ objectType: ObjectType.SymmetricKey, attributes: aesAttributes(extra) }),
});
const idItem = (operation: number, id?: string): RequestBatchItem => ({ operation, payload: encodeIdentifierRequest(id === undefined ? {} : { uniqueIdentifier: id }) });
const getAttributesItem = (id: string, names: string[] = []): RequestBatchItem => ({
  operation: Operation.GetAttributes,
  payload: encodeGetAttributesRequest({ uniqueIdentifier: id, attributeNames: names }),
});

function createKey(ctx: KmipHandlerContext, extra: KmipAttribute[] = []): string {
  const [item] = send(ctx, [createItem(extra)]).batchItems;
  expect(item?.resultStatus).toBe(ResultStatus.Success);
  return decodeCreateResponse(item?.payload ?? []).uniqueIdentifier;
}

describe('lab KMIP handler', () => {
  it('answers DiscoverVersions with the common versions, highest first, even under a 2.0 header', () => {
    const ctx = context();
    const all = send(ctx, [{ operation: Operation.DiscoverVersions, payload: [] }]);
    expect(decodeDiscoverVersionsResponse(all.batchItems[0]?.payload ?? [])).toEqual([
      { major: 1, minor: 4 },
      { major: 1, minor: 3 },
      { major: 1, minor: 2 },
      { major: 1, minor: 1 },
      { major: 1, minor: 0 },
    ]);
    const some = send(ctx, [{ operation: Operation.DiscoverVersions, payload: encodeDiscoverVersionsRequest([{ major: 2, minor: 0 }, { major: 1, minor: 1 }]) }], {
      protocolVersion: { major: 2, minor: 0 },
    });
    expect(decodeDiscoverVersionsResponse(some.batchItems[0]?.payload ?? [])).toEqual([{ major: 1, minor: 1 }]);
  });

  it('refuses other operations under an unsupported protocol version, with one message-level error', () => {
    const response = send(context(), [createItem()], { protocolVersion: { major: 2, minor: 0 } });
    expect(response.batchItems).toHaveLength(1);
    expect(response.batchItems[0]).toMatchObject({ resultStatus: ResultStatus.OperationFailed, resultReason: ResultReason.InvalidMessage });
    expect(response.batchItems[0]?.operation).toBeUndefined();
  });

  it('echoes the request protocol version and answers Query', () => {
    const response = send(context(), [
      { operation: Operation.Query, payload: encodeQueryRequest([QueryFunction.QueryOperations, QueryFunction.QueryObjects, QueryFunction.QueryServerInformation]) },
    ]);
    expect(response.header.protocolVersion).toEqual(V12);
    const query = decodeQueryResponse(response.batchItems[0]?.payload ?? []);
    expect(query.operations).toEqual(expect.arrayContaining([Operation.Create, Operation.GetAttributes, Operation.Locate, Operation.DiscoverVersions]));
    expect(query.objectTypes).toEqual([ObjectType.SymmetricKey]);
    expect(query.vendorIdentification).toBe('Keywatch Lab KMS');
    expect(query.serverInformation).toEqual({ ServerName: 'kms-test', ServerVersion: '1.0' });
  });

  it('creates a Pre-Active AES key, records the owner, and reports the change for replication', () => {
    const ctx = context();
    const id = createKey(ctx, [nameAttribute('vsan-kek')]);
    expect(ctx.changed).toEqual([id]);
    const stored = ctx.store.get(id);
    expect(stored).toMatchObject({ state: State.PreActive, lengthBits: 256, owner: 'keywatch', names: ['vsan-kek'] });
    expect(Buffer.from(stored?.material ?? '', 'base64')).toHaveLength(32);
  });

  it('creates an Active key when the Activation Date is already reached', () => {
    const ctx = context();
    const id = createKey(ctx, [{ name: AttributeName.ActivationDate, value: { tag: Tag.AttributeValue, type: 'DateTime', value: new Date(Date.now() - 1000) } }]);
    expect(ctx.store.get(id)?.state).toBe(State.Active);
  });

  it('rejects keys it cannot make with Invalid Field', () => {
    const ctx = context();
    const wrongLength = send(ctx, [
      {
        operation: Operation.Create,
        payload: encodeCreateRequest({
          objectType: ObjectType.SymmetricKey,
          attributes: [enumAttribute(AttributeName.CryptographicAlgorithm, CryptographicAlgorithm.Aes), integerAttribute(AttributeName.CryptographicLength, 100)],
        }),
      },
    ]);
    expect(wrongLength.batchItems[0]).toMatchObject({ resultReason: ResultReason.InvalidField, resultMessage: expect.stringContaining('100 bits') });
    const noAlgorithm = send(ctx, [{ operation: Operation.Create, payload: encodeCreateRequest({ objectType: ObjectType.SymmetricKey, attributes: [] }) }]);
    expect(noAlgorithm.batchItems[0]).toMatchObject({ resultReason: ResultReason.InvalidField });
    const notSymmetric = send(ctx, [{ operation: Operation.Create, payload: encodeCreateRequest({ objectType: ObjectType.PrivateKey, attributes: aesAttributes() }) }]);
    expect(notSymmetric.batchItems[0]).toMatchObject({ resultReason: ResultReason.InvalidField });
    expect(ctx.store.size).toBe(0);
  });

  it('uses the ID Placeholder: Create then Activate then GetAttributes without identifiers, in one message', () => {
    const ctx = context();
    const response = send(ctx, [
      createItem(),
      idItem(Operation.Activate),
      { operation: Operation.GetAttributes, payload: encodeGetAttributesRequest({ attributeNames: [AttributeName.State] }) },
    ]);
    expect(response.batchItems.map((b) => b.resultStatus)).toEqual([ResultStatus.Success, ResultStatus.Success, ResultStatus.Success]);
    const id = decodeCreateResponse(response.batchItems[0]?.payload ?? []).uniqueIdentifier;
    const attrs = decodeGetAttributesResponse(response.batchItems[2]?.payload ?? []);
    expect(attrs.uniqueIdentifier).toBe(id);
    expect(summarizeAttributes(attrs.attributes).state).toBe(State.Active);
    expect(response.batchItems.map((b) => b.operation)).toEqual([Operation.Create, Operation.Activate, Operation.GetAttributes]);
  });

  it('with Continue, answers every item of a batch; each missing key fails alone with Item Not Found', () => {
    const ctx = context();
    const a = createKey(ctx);
    const b = createKey(ctx);
    const ids = [a, 'missing-1', b, 'missing-2'];
    const items = ids.map((id, i) => ({ ...getAttributesItem(id, [AttributeName.State]), uniqueBatchItemId: new Uint8Array([i]) }));
    const response = send(ctx, items, { batchErrorContinuationOption: BatchErrorContinuationOption.Continue });
    expect(response.batchItems.map((r) => [r.uniqueBatchItemId?.[0], r.resultStatus, r.resultReason])).toEqual([
      [0, ResultStatus.Success, undefined],
      [1, ResultStatus.OperationFailed, ResultReason.ItemNotFound],
      [2, ResultStatus.Success, undefined],
      [3, ResultStatus.OperationFailed, ResultReason.ItemNotFound],
    ]);
    expect(response.batchItems[1]?.resultMessage).toContain('missing-1');
  });

  it('by default (Stop) and with Undo, stops at the first failure and leaves the rest unanswered', () => {
    const ctx = context();
    const a = createKey(ctx);
    for (const option of [undefined, BatchErrorContinuationOption.Stop, BatchErrorContinuationOption.Undo]) {
      const response = send(ctx, [getAttributesItem(a), getAttributesItem('missing'), getAttributesItem(a)], option === undefined ? {} : { batchErrorContinuationOption: option });
      expect(response.batchItems.map((r) => r.resultStatus)).toEqual([ResultStatus.Success, ResultStatus.OperationFailed]);
    }
  });

  it('returns all attributes, or only the named ones', () => {
    const ctx = context();
    const id = createKey(ctx, [nameAttribute('k1')]);
    const all = decodeGetAttributesResponse(send(ctx, [getAttributesItem(id)]).batchItems[0]?.payload ?? []);
    expect(all.attributes.map((a) => a.name)).toEqual([
      'Unique Identifier',
      'Name',
      'Object Type',
      'Cryptographic Algorithm',
      'Cryptographic Length',
      'Cryptographic Usage Mask',
      'State',
      'Initial Date',
      'Last Change Date',
    ]);
    const some = decodeGetAttributesResponse(send(ctx, [getAttributesItem(id, [AttributeName.State, AttributeName.ActivationDate, 'No Such Attribute'])]).batchItems[0]?.payload ?? []);
    expect(some.attributes.map((a) => a.name)).toEqual(['State']);
  });

  it('walks the key life cycle with the same refusals as PyKMIP', () => {
    const ctx = context();
    const id = createKey(ctx);
    const reason = (items: RequestBatchItem[]) => send(ctx, items).batchItems[0]?.resultReason;
    const revokeItem = (code: number): RequestBatchItem => ({ operation: Operation.Revoke, payload: encodeRevokeRequest({ uniqueIdentifier: id, revocationReasonCode: code }) });

    expect(reason([revokeItem(RevocationReasonCode.CessationOfOperation)])).toBe(ResultReason.IllegalOperation);
    expect(reason([idItem(Operation.Activate, id)])).toBeUndefined();
    expect(ctx.store.get(id)?.activationDate).toBeDefined();
    expect(reason([idItem(Operation.Activate, id)])).toBe(ResultReason.PermissionDenied);
    expect(reason([idItem(Operation.Destroy, id)])).toBe(ResultReason.PermissionDenied);
    expect(reason([revokeItem(RevocationReasonCode.CessationOfOperation)])).toBeUndefined();
    expect(ctx.store.get(id)).toMatchObject({ state: State.Deactivated, revocationReason: { code: RevocationReasonCode.CessationOfOperation } });
    expect(reason([idItem(Operation.Destroy, id)])).toBeUndefined();
    expect(ctx.store.get(id)?.state).toBe(State.Destroyed);
    expect(ctx.store.get(id)?.material).toBeUndefined();
    expect(reason([idItem(Operation.Destroy, id)])).toBe(ResultReason.PermissionDenied);
    expect(reason([revokeItem(RevocationReasonCode.KeyCompromise)])).toBeUndefined();
    expect(ctx.store.get(id)?.state).toBe(State.DestroyedCompromised);
    expect(reason([idItem(Operation.Activate, 'nope')])).toBe(ResultReason.ItemNotFound);
  });

  it('Get returns the raw key while it exists, and refuses once it is destroyed', () => {
    const ctx = context();
    const id = createKey(ctx);
    const got = decodeGetResponse(send(ctx, [{ operation: Operation.Get, payload: encodeGetRequest({ uniqueIdentifier: id }) }]).batchItems[0]?.payload ?? []);
    expect(got.keyBlock?.keyMaterial?.reveal()).toEqual(new Uint8Array(Buffer.from(ctx.store.get(id)?.material ?? '', 'base64')));
    expect(got.keyBlock?.cryptographicLength).toBe(256);
    const otherFormat = send(ctx, [{ operation: Operation.Get, payload: encodeGetRequest({ uniqueIdentifier: id, keyFormatType: 0x07 }) }]);
    expect(otherFormat.batchItems[0]?.resultReason).toBe(ResultReason.KeyFormatTypeNotSupported);
    send(ctx, [idItem(Operation.Destroy, id)]);
    const gone = send(ctx, [{ operation: Operation.Get, payload: encodeGetRequest({ uniqueIdentifier: id }) }]);
    expect(gone.batchItems[0]?.resultReason).toBe(ResultReason.PermissionDenied);
  });

  it('Locate filters by attributes and pages, with Located Items from KMIP 1.3', () => {
    const ctx = context();
    const named = createKey(ctx, [nameAttribute('kek-a')]);
    const others = [createKey(ctx), createKey(ctx)];
    send(ctx, [idItem(Operation.Activate, others[0])]);
    const locate = (attributes: KmipAttribute[], extra: { maximumItems?: number; offsetItems?: number } = {}, header: Partial<RequestHeader> = {}) =>
      decodeLocateResponse(send(ctx, [{ operation: Operation.Locate, payload: encodeLocateRequest({ attributes, ...extra }) }], header).batchItems[0]?.payload ?? []);

    expect(locate([nameAttribute('kek-a')]).uniqueIdentifiers).toEqual([named]);
    expect(locate([enumAttribute(AttributeName.State, State.Active)]).uniqueIdentifiers).toEqual([others[0]]);
    expect(locate([]).uniqueIdentifiers).toEqual([named, ...others]);
    expect(locate([], { maximumItems: 1, offsetItems: 1 }).uniqueIdentifiers).toEqual([others[0]]);
    expect(locate([]).locatedItems).toBeUndefined();
    expect(locate([], { maximumItems: 1 }, { protocolVersion: { major: 1, minor: 4 } })).toEqual({ locatedItems: 3, uniqueIdentifiers: [named] });
  });

  it('answers unknown operations with Operation Not Supported', () => {
    const response = send(context(), [{ operation: Operation.Encrypt, payload: [] }]);
    expect(response.batchItems[0]).toMatchObject({ operation: Operation.Encrypt, resultReason: ResultReason.OperationNotSupported });
  });

  it('answers malformed item payloads with Invalid Field, keeping the other items', () => {
    const ctx = context();
    const id = createKey(ctx);
    const response = send(
      ctx,
      [
        // Revoke without the required Revocation Reason structure.
        { operation: Operation.Revoke, payload: encodeIdentifierRequest({ uniqueIdentifier: id }) },
        getAttributesItem(id, [AttributeName.State]),
      ],
      { batchErrorContinuationOption: BatchErrorContinuationOption.Continue },
    );
    expect(response.batchItems.map((b) => b.resultReason)).toEqual([ResultReason.InvalidField, undefined]);
  });

  it('answers bytes that are not a request message with Invalid Message', () => {
    const ctx = context();
    for (const bytes of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), encodeTtlv(structure(Tag.RequestMessage, [integer(Tag.BatchCount, 1)]))]) {
      const response = decodeResponseMessage(handleRequestBytes(bytes, ctx));
      expect(response.batchItems).toHaveLength(1);
      expect(response.batchItems[0]).toMatchObject({ resultStatus: ResultStatus.OperationFailed, resultReason: ResultReason.InvalidMessage });
    }
  });

  it('honours the Maximum Response Size of the request header', () => {
    const ctx = context();
    const ids = Array.from({ length: 20 }, () => createKey(ctx));
    const response = send(ctx, ids.map((id) => getAttributesItem(id)), { maximumResponseSize: 512 });
    expect(response.batchItems).toHaveLength(1);
    expect(response.batchItems[0]?.resultReason).toBe(ResultReason.ResponseTooLarge);
  });
});
