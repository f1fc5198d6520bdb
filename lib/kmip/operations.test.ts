import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CryptographicAlgorithm, CryptographicUsageMask, ObjectType, QueryFunction, Operation, RevocationReasonCode, State } from './enums';
import {
  AttributeName,
  dateAttribute,
  decodeCreateRequest,
  decodeCreateResponse,
  decodeDiscoverVersionsResponse,
  decodeGetAttributesRequest,
  decodeGetAttributesResponse,
  decodeGetRequest,
  decodeGetResponse,
  decodeIdentifierRequest,
  decodeIdentifierResponse,
  decodeLocateRequest,
  decodeLocateResponse,
  decodeQueryRequest,
  decodeQueryResponse,
  decodeRevokeRequest,
  encodeCreateRequest,
  encodeCreateResponse,
  encodeDiscoverVersionsResponse,
  encodeGetAttributesRequest,
  encodeGetAttributesResponse,
  encodeGetRequest,
  encodeGetResponse,
  encodeIdentifierRequest,
  encodeIdentifierResponse,
  encodeLocateRequest,
  encodeLocateResponse,
  encodeQueryRequest,
  encodeQueryResponse,
  encodeRevokeRequest,
  enumAttribute,
  integerAttribute,
  nameAttribute,
  summarizeAttributes,
  symmetricKeyObject,
  textAttribute,
} from './operations';
import { decodeTtlv, encodeTtlv, structure, textString, TtlvDecodeError, type TtlvItem } from './ttlv';
import { Tag } from './tags';

// Payloads cross the wire inside a structure; run them through bytes so the tests exercise the
// codec and not only object identity.
const wire = (payload: TtlvItem[]): TtlvItem[] => {
  const back = decodeTtlv(encodeTtlv(structure(Tag.ResponsePayload, payload)));
  return back.type === 'Structure' ? back.value : [];
};

describe('operation payloads round-trip through bytes', () => {
  it('DiscoverVersions', () => {
    const versions = [{ major: 1, minor: 4 }, { major: 1, minor: 2 }];
    expect(decodeDiscoverVersionsResponse(wire(encodeDiscoverVersionsResponse(versions)))).toEqual(versions);
    expect(decodeDiscoverVersionsResponse([])).toEqual([]);
  });

  it('Query, with Server Information flattened to text', () => {
    const fns = [QueryFunction.QueryOperations, QueryFunction.QueryObjects, QueryFunction.QueryServerInformation];
    expect(decodeQueryRequest(wire(encodeQueryRequest(fns)))).toEqual(fns);
    const res = decodeQueryResponse(
      wire(
        encodeQueryResponse({
          operations: [Operation.Create, Operation.GetAttributes],
          objectTypes: [ObjectType.SymmetricKey],
          vendorIdentification: 'Lab KMS',
          serverInformation: [textString(Tag.ServerUri, 'kmip://node1'), structure(Tag.ValidationInformation, [textString(Tag.ValidationProfile, 'x')])],
        }),
      ),
    );
    expect(res).toEqual({
      operations: [Operation.Create, Operation.GetAttributes],
      objectTypes: [ObjectType.SymmetricKey],
      vendorIdentification: 'Lab KMS',
      serverInformation: { ServerUri: 'kmip://node1', 'ValidationInformation.ValidationProfile': 'x' },
    });
  });

  it('Locate', () => {
    const req = { maximumItems: 10, offsetItems: 5, attributes: [enumAttribute(AttributeName.ObjectType, ObjectType.SymmetricKey)] };
    expect(decodeLocateRequest(wire(encodeLocateRequest(req)))).toEqual(req);
    expect(decodeLocateResponse(wire(encodeLocateResponse({ locatedItems: 3, uniqueIdentifiers: ['a', 'b'] })))).toEqual({
      locatedItems: 3,
      uniqueIdentifiers: ['a', 'b'],
    });
  });

  it('GetAttributes, and the summary Keywatch judges keys by', () => {
    const req = { uniqueIdentifier: 'k1', attributeNames: [AttributeName.State, AttributeName.ActivationDate] };
    expect(decodeGetAttributesRequest(wire(encodeGetAttributesRequest(req)))).toEqual(req);
    const activation = new Date('2026-02-03T04:05:06Z');
    const res = decodeGetAttributesResponse(
      wire(
        encodeGetAttributesResponse({
          uniqueIdentifier: 'k1',
          attributes: [
            enumAttribute(AttributeName.State, State.Active),
            enumAttribute(AttributeName.ObjectType, ObjectType.SymmetricKey),
            enumAttribute(AttributeName.CryptographicAlgorithm, CryptographicAlgorithm.Aes),
            integerAttribute(AttributeName.CryptographicLength, 256),
            dateAttribute(AttributeName.ActivationDate, activation),
            nameAttribute('vsan-kek'),
            { ...textAttribute('x-custom', 'v'), index: 2 },
          ],
        }),
      ),
    );
    expect(res.uniqueIdentifier).toBe('k1');
    expect(res.attributes.at(-1)).toMatchObject({ name: 'x-custom', index: 2 });
    expect(summarizeAttributes(res.attributes)).toEqual({
      state: State.Active,
      objectType: ObjectType.SymmetricKey,
      cryptographicAlgorithm: CryptographicAlgorithm.Aes,
      cryptographicLength: 256,
      activationDate: activation,
      names: ['vsan-kek'],
    });
  });

  it('Create with a Template-Attribute', () => {
    const req = {
      objectType: ObjectType.SymmetricKey,
      attributes: [
        enumAttribute(AttributeName.CryptographicAlgorithm, CryptographicAlgorithm.Aes),
        integerAttribute(AttributeName.CryptographicLength, 256),
        integerAttribute(AttributeName.CryptographicUsageMask, CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt),
        nameAttribute('k'),
      ],
    };
    expect(decodeCreateRequest(wire(encodeCreateRequest(req)))).toEqual(req);
    const res = { objectType: ObjectType.SymmetricKey, uniqueIdentifier: '42' };
    expect(decodeCreateResponse(wire(encodeCreateResponse(res)))).toEqual(res);
  });

  it('Activate / Destroy identifiers, including the ID placeholder form', () => {
    expect(decodeIdentifierRequest(wire(encodeIdentifierRequest({ uniqueIdentifier: '9' })))).toEqual({ uniqueIdentifier: '9' });
    expect(decodeIdentifierRequest(wire(encodeIdentifierRequest({})))).toEqual({});
    expect(decodeIdentifierResponse(wire(encodeIdentifierResponse({ uniqueIdentifier: '9' })))).toEqual({ uniqueIdentifier: '9' });
    expect(() => decodeIdentifierResponse([])).toThrow(TtlvDecodeError);
  });

  it('Revoke', () => {
    const req = {
      uniqueIdentifier: '9',
      revocationReasonCode: RevocationReasonCode.KeyCompromise,
      revocationMessage: 'lost laptop',
      compromiseOccurrenceDate: new Date('2026-01-01T00:00:00Z'),
    };
    expect(decodeRevokeRequest(wire(encodeRevokeRequest(req)))).toEqual(req);
    expect(() => decodeRevokeRequest([textString(Tag.UniqueIdentifier, '9')])).toThrow(/missing RevocationReason/);
  });

  it('Get returns key material that cannot be logged by accident', () => {
    expect(decodeGetRequest(wire(encodeGetRequest({ uniqueIdentifier: '1', keyFormatType: 1 })))).toEqual({ uniqueIdentifier: '1', keyFormatType: 1 });
    const material = Uint8Array.from({ length: 32 }, (_, i) => i);
    const res = decodeGetResponse(
      wire(encodeGetResponse({ objectType: ObjectType.SymmetricKey, uniqueIdentifier: '1', object: symmetricKeyObject(material, CryptographicAlgorithm.Aes, 256) })),
    );
    expect(res.keyBlock?.keyMaterial?.reveal()).toEqual(material);
    expect(res.keyBlock).toMatchObject({ keyFormatType: 1, cryptographicAlgorithm: CryptographicAlgorithm.Aes, cryptographicLength: 256 });
    const printed = JSON.stringify(res) + inspect(res, { depth: 10 }) + String(res.keyBlock?.keyMaterial);
    expect(printed).not.toMatch(/0,1,2,3|00010203|\[ ?0, 1, 2/);
    expect(printed).toContain('redacted');
  });
});
