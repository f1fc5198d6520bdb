/**
 * Request and response payloads of the operations Keywatch and the lab speak, in KMIP 1.x form
 * (1.1–1.4 share these shapes; 2.0's Attributes structure is deliberately not produced).
 *
 * Every operation has four pure functions so both ends share one definition of the wire shape:
 *   encodeXRequest(params) → payload items      (client)
 *   decodeXRequest(payload items) → params      (server)
 *   encodeXResponse(result) → payload items     (server)
 *   decodeXResponse(payload items) → result     (client)
 * Activate and Destroy requests, and the Activate / Destroy / Revoke responses, are one shape (a
 * Unique Identifier): encode/decodeIdentifierRequest and encode/decodeIdentifierResponse.
 * Whole batch items for callers that batch operations themselves are at the end (xItem).
 * Payload items are the children of the Request/Response Payload structure (see messages.ts).
 * Decoders throw TtlvDecodeError('unexpected-item') for missing or mistyped fields.
 */
import { CryptographicAlgorithm, CryptographicUsageMask, NameType, ObjectType, Operation, type ProtocolVersion } from './enums';
import type { KmipError } from './errors';
import { decodeProtocolVersion, encodeProtocolVersion, type BatchOutcome, type RequestBatchItem } from './messages';
import { tagName, Tag } from './tags';
import {
  byteString,
  dateTime,
  enumeration,
  findChild,
  findChildren,
  integer,
  requireChild,
  structure,
  textString,
  TtlvDecodeError,
  type TtlvItem,
} from './ttlv';

const root = (payload: TtlvItem[]): TtlvItem => structure(Tag.RequestPayload, payload);

// --- attributes ------------------------------------------------------------------------------

/** Attribute names as KMIP 1.x spells them in Attribute Name. */
export const AttributeName = {
  UniqueIdentifier: 'Unique Identifier',
  Name: 'Name',
  ObjectType: 'Object Type',
  CryptographicAlgorithm: 'Cryptographic Algorithm',
  CryptographicLength: 'Cryptographic Length',
  CryptographicUsageMask: 'Cryptographic Usage Mask',
  State: 'State',
  InitialDate: 'Initial Date',
  ActivationDate: 'Activation Date',
  DeactivationDate: 'Deactivation Date',
  DestroyDate: 'Destroy Date',
  CompromiseDate: 'Compromise Date',
  CompromiseOccurrenceDate: 'Compromise Occurrence Date',
  RevocationReason: 'Revocation Reason',
  LastChangeDate: 'Last Change Date',
  OperationPolicyName: 'Operation Policy Name',
  ObjectGroup: 'Object Group',
} as const;

/** One attribute instance. `value` is the Attribute Value item (its tag is Tag.AttributeValue). */
export interface KmipAttribute {
  name: string;
  index?: number;
  value: TtlvItem;
}

export const textAttribute = (name: string, v: string): KmipAttribute => ({ name, value: textString(Tag.AttributeValue, v) });
export const integerAttribute = (name: string, v: number): KmipAttribute => ({ name, value: integer(Tag.AttributeValue, v) });
export const enumAttribute = (name: string, v: number): KmipAttribute => ({ name, value: enumeration(Tag.AttributeValue, v) });
export const dateAttribute = (name: string, v: Date): KmipAttribute => ({ name, value: dateTime(Tag.AttributeValue, v) });

export function nameAttribute(value: string, type: number = NameType.UninterpretedTextString): KmipAttribute {
  return {
    name: AttributeName.Name,
    value: structure(Tag.AttributeValue, [textString(Tag.NameValue, value), enumeration(Tag.NameType, type)]),
  };
}

export function encodeAttribute(a: KmipAttribute): TtlvItem {
  const fields: TtlvItem[] = [textString(Tag.AttributeName, a.name)];
  if (a.index !== undefined) fields.push(integer(Tag.AttributeIndex, a.index));
  fields.push({ ...a.value, tag: Tag.AttributeValue });
  return structure(Tag.Attribute, fields);
}

export function decodeAttribute(item: TtlvItem): KmipAttribute {
  if (item.tag !== Tag.Attribute || item.type !== 'Structure') {
    throw new TtlvDecodeError('unexpected-item', `expected an Attribute, got ${tagName(item.tag)}`);
  }
  const value = item.value.find((c) => c.tag === Tag.AttributeValue);
  if (!value) throw new TtlvDecodeError('unexpected-item', 'Attribute is missing Attribute Value');
  const attr: KmipAttribute = { name: requireChild(item, Tag.AttributeName, 'TextString').value, value };
  const index = findChild(item, Tag.AttributeIndex, 'Integer');
  if (index) attr.index = index.value;
  return attr;
}

/** What Keywatch needs to judge a key, read out of a GetAttributes answer. */
export interface KeyAttributeSummary {
  state?: number;
  objectType?: number;
  cryptographicAlgorithm?: number;
  cryptographicLength?: number;
  activationDate?: Date;
  names: string[];
}

/** The attributes summarizeAttributes reads (Name aside): ask for these to fill a summary. */
export const KEY_SUMMARY_ATTRIBUTES: readonly string[] = [
  AttributeName.State,
  AttributeName.ObjectType,
  AttributeName.CryptographicAlgorithm,
  AttributeName.CryptographicLength,
  AttributeName.ActivationDate,
];

export function summarizeAttributes(attributes: KmipAttribute[]): KeyAttributeSummary {
  const summary: KeyAttributeSummary = { names: [] };
  for (const a of attributes) {
    const v = a.value;
    switch (a.name) {
      case AttributeName.State:
        if (v.type === 'Enumeration') summary.state = v.value;
        break;
      case AttributeName.ObjectType:
        if (v.type === 'Enumeration') summary.objectType = v.value;
        break;
      case AttributeName.CryptographicAlgorithm:
        if (v.type === 'Enumeration') summary.cryptographicAlgorithm = v.value;
        break;
      case AttributeName.CryptographicLength:
        if (v.type === 'Integer') summary.cryptographicLength = v.value;
        break;
      case AttributeName.ActivationDate:
        if (v.type === 'DateTime') summary.activationDate = v.value;
        break;
      case AttributeName.Name:
        if (v.type === 'Structure') {
          const nv = v.value.find((c) => c.tag === Tag.NameValue);
          if (nv?.type === 'TextString') summary.names.push(nv.value);
        }
        break;
    }
  }
  return summary;
}

// --- DiscoverVersions ------------------------------------------------------------------------

export function encodeDiscoverVersionsRequest(versions: readonly ProtocolVersion[]): TtlvItem[] {
  return versions.map(encodeProtocolVersion);
}
export function decodeDiscoverVersionsRequest(payload: TtlvItem[]): ProtocolVersion[] {
  return findChildren(root(payload), Tag.ProtocolVersion, 'Structure').map(decodeProtocolVersion);
}
export const encodeDiscoverVersionsResponse = encodeDiscoverVersionsRequest;
export const decodeDiscoverVersionsResponse = decodeDiscoverVersionsRequest;

// --- Query -----------------------------------------------------------------------------------

export function encodeQueryRequest(queryFunctions: readonly number[]): TtlvItem[] {
  return queryFunctions.map((f) => enumeration(Tag.QueryFunction, f));
}
export function decodeQueryRequest(payload: TtlvItem[]): number[] {
  return findChildren(root(payload), Tag.QueryFunction, 'Enumeration').map((i) => i.value);
}

export interface QueryResponse {
  operations: number[];
  objectTypes: number[];
  vendorIdentification?: string;
  /** Server Information is vendor-defined; its leaves are flattened to "Tag Name" → text. */
  serverInformation?: Record<string, string>;
}

export interface QueryResponseParts {
  operations?: readonly number[];
  objectTypes?: readonly number[];
  vendorIdentification?: string;
  /** Children of the Server Information structure, as the server wants to describe itself. */
  serverInformation?: TtlvItem[];
}

export function encodeQueryResponse(parts: QueryResponseParts): TtlvItem[] {
  const out: TtlvItem[] = [];
  for (const op of parts.operations ?? []) out.push(enumeration(Tag.Operation, op));
  for (const t of parts.objectTypes ?? []) out.push(enumeration(Tag.ObjectType, t));
  if (parts.vendorIdentification !== undefined) out.push(textString(Tag.VendorIdentification, parts.vendorIdentification));
  if (parts.serverInformation !== undefined) out.push(structure(Tag.ServerInformation, parts.serverInformation));
  return out;
}

function leafText(item: TtlvItem): string {
  switch (item.type) {
    case 'Structure':
      return '';
    case 'ByteString':
      return Buffer.from(item.value).toString('hex');
    case 'DateTime':
      return item.value.toISOString();
    default:
      return String(item.value);
  }
}

function flatten(items: TtlvItem[], prefix: string, out: Record<string, string>): void {
  for (const item of items) {
    const key = prefix ? `${prefix}.${tagName(item.tag)}` : tagName(item.tag);
    if (item.type === 'Structure') flatten(item.value, key, out);
    else out[key in out ? `${key}[${Object.keys(out).length}]` : key] = leafText(item);
  }
}

export function decodeQueryResponse(payload: TtlvItem[]): QueryResponse {
  const r = root(payload);
  const result: QueryResponse = {
    operations: findChildren(r, Tag.Operation, 'Enumeration').map((i) => i.value),
    objectTypes: findChildren(r, Tag.ObjectType, 'Enumeration').map((i) => i.value),
  };
  const vendor = findChild(r, Tag.VendorIdentification, 'TextString');
  if (vendor) result.vendorIdentification = vendor.value;
  const info = findChild(r, Tag.ServerInformation, 'Structure');
  if (info) {
    result.serverInformation = {};
    flatten(info.value, '', result.serverInformation);
  }
  return result;
}

// --- Locate ----------------------------------------------------------------------------------

export interface LocateRequest {
  maximumItems?: number;
  /** KMIP 1.3+. */
  offsetItems?: number;
  attributes?: KmipAttribute[];
}

export function encodeLocateRequest(req: LocateRequest = {}): TtlvItem[] {
  const out: TtlvItem[] = [];
  if (req.maximumItems !== undefined) out.push(integer(Tag.MaximumItems, req.maximumItems));
  if (req.offsetItems !== undefined) out.push(integer(Tag.OffsetItems, req.offsetItems));
  for (const a of req.attributes ?? []) out.push(encodeAttribute(a));
  return out;
}

export function decodeLocateRequest(payload: TtlvItem[]): LocateRequest {
  const r = root(payload);
  const req: LocateRequest = { attributes: findChildren(r, Tag.Attribute, 'Structure').map(decodeAttribute) };
  const max = findChild(r, Tag.MaximumItems, 'Integer');
  if (max) req.maximumItems = max.value;
  const offset = findChild(r, Tag.OffsetItems, 'Integer');
  if (offset) req.offsetItems = offset.value;
  return req;
}

export interface LocateResponse {
  /** KMIP 1.3+: total matches, which may exceed the identifiers returned. */
  locatedItems?: number;
  uniqueIdentifiers: string[];
}

export function encodeLocateResponse(res: LocateResponse): TtlvItem[] {
  const out: TtlvItem[] = [];
  if (res.locatedItems !== undefined) out.push(integer(Tag.LocatedItems, res.locatedItems));
  for (const id of res.uniqueIdentifiers) out.push(textString(Tag.UniqueIdentifier, id));
  return out;
}

export function decodeLocateResponse(payload: TtlvItem[]): LocateResponse {
  const r = root(payload);
  const res: LocateResponse = {
    uniqueIdentifiers: findChildren(r, Tag.UniqueIdentifier, 'TextString').map((i) => i.value),
  };
  const located = findChild(r, Tag.LocatedItems, 'Integer');
  if (located) res.locatedItems = located.value;
  return res;
}

// --- GetAttributes ---------------------------------------------------------------------------

export interface GetAttributesRequest {
  /** Absent means the ID Placeholder (the object of the previous batch item). */
  uniqueIdentifier?: string;
  /** Empty means all attributes. */
  attributeNames: string[];
}

export function encodeGetAttributesRequest(req: GetAttributesRequest): TtlvItem[] {
  const out: TtlvItem[] = [];
  if (req.uniqueIdentifier !== undefined) out.push(textString(Tag.UniqueIdentifier, req.uniqueIdentifier));
  for (const n of req.attributeNames) out.push(textString(Tag.AttributeName, n));
  return out;
}

export function decodeGetAttributesRequest(payload: TtlvItem[]): GetAttributesRequest {
  const r = root(payload);
  const req: GetAttributesRequest = {
    attributeNames: findChildren(r, Tag.AttributeName, 'TextString').map((i) => i.value),
  };
  const id = findChild(r, Tag.UniqueIdentifier, 'TextString');
  if (id) req.uniqueIdentifier = id.value;
  return req;
}

export interface GetAttributesResponse {
  uniqueIdentifier: string;
  attributes: KmipAttribute[];
}

export function encodeGetAttributesResponse(res: GetAttributesResponse): TtlvItem[] {
  return [textString(Tag.UniqueIdentifier, res.uniqueIdentifier), ...res.attributes.map(encodeAttribute)];
}

export function decodeGetAttributesResponse(payload: TtlvItem[]): GetAttributesResponse {
  const r = root(payload);
  return {
    uniqueIdentifier: requireChild(r, Tag.UniqueIdentifier, 'TextString').value,
    attributes: findChildren(r, Tag.Attribute, 'Structure').map(decodeAttribute),
  };
}

// --- Get -------------------------------------------------------------------------------------

export interface GetRequest {
  uniqueIdentifier?: string;
  keyFormatType?: number;
}

export function encodeGetRequest(req: GetRequest): TtlvItem[] {
  const out: TtlvItem[] = [];
  if (req.uniqueIdentifier !== undefined) out.push(textString(Tag.UniqueIdentifier, req.uniqueIdentifier));
  if (req.keyFormatType !== undefined) out.push(enumeration(Tag.KeyFormatType, req.keyFormatType));
  return out;
}

export function decodeGetRequest(payload: TtlvItem[]): GetRequest {
  const r = root(payload);
  const req: GetRequest = {};
  const id = findChild(r, Tag.UniqueIdentifier, 'TextString');
  if (id) req.uniqueIdentifier = id.value;
  const kft = findChild(r, Tag.KeyFormatType, 'Enumeration');
  if (kft) req.keyFormatType = kft.value;
  return req;
}

/**
 * Key material that refuses to be logged or serialised by accident: JSON.stringify, template
 * strings and util.inspect all show a placeholder. Call reveal() where the bytes are needed.
 */
export class SecretBytes {
  readonly #bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  get byteLength(): number {
    return this.#bytes.byteLength;
  }
  reveal(): Uint8Array {
    return this.#bytes;
  }
  toJSON(): string {
    return '[redacted key material]';
  }
  toString(): string {
    return '[redacted key material]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SecretBytes(${this.#bytes.byteLength} bytes, redacted)`;
  }
}

/** The managed object tag that carries each object type in Get / Register. */
export const objectTagByType: Readonly<Record<number, number>> = {
  [ObjectType.Certificate]: Tag.Certificate,
  [ObjectType.SymmetricKey]: Tag.SymmetricKey,
  [ObjectType.PublicKey]: Tag.PublicKey,
  [ObjectType.PrivateKey]: Tag.PrivateKey,
  [ObjectType.SplitKey]: Tag.SplitKey,
  [ObjectType.SecretData]: Tag.SecretData,
  [ObjectType.OpaqueData]: Tag.OpaqueObject,
};

export interface KeyBlockSummary {
  keyFormatType: number;
  cryptographicAlgorithm?: number;
  cryptographicLength?: number;
  /** Raw key bytes when the Key Material is a plain Byte String (Raw / Opaque formats). */
  keyMaterial?: SecretBytes;
}

export interface GetResponse {
  objectType: number;
  uniqueIdentifier: string;
  keyBlock?: KeyBlockSummary;
}

/** Server side: `object` is the complete managed object structure (e.g. a Symmetric Key). */
export function encodeGetResponse(res: { objectType: number; uniqueIdentifier: string; object: TtlvItem }): TtlvItem[] {
  return [enumeration(Tag.ObjectType, res.objectType), textString(Tag.UniqueIdentifier, res.uniqueIdentifier), res.object];
}

/** Builds a Symmetric Key object in Raw format, for servers answering Get. */
export function symmetricKeyObject(material: Uint8Array, algorithm: number, lengthBits: number, keyFormatType = 0x01): TtlvItem {
  return structure(Tag.SymmetricKey, [
    structure(Tag.KeyBlock, [
      enumeration(Tag.KeyFormatType, keyFormatType),
      structure(Tag.KeyValue, [byteString(Tag.KeyMaterial, material)]),
      enumeration(Tag.CryptographicAlgorithm, algorithm),
      integer(Tag.CryptographicLength, lengthBits),
    ]),
  ]);
}

export function decodeGetResponse(payload: TtlvItem[]): GetResponse {
  const r = root(payload);
  const res: GetResponse = {
    objectType: requireChild(r, Tag.ObjectType, 'Enumeration').value,
    uniqueIdentifier: requireChild(r, Tag.UniqueIdentifier, 'TextString').value,
  };
  const objectTag = objectTagByType[res.objectType];
  const object = objectTag === undefined ? undefined : findChild(r, objectTag, 'Structure');
  const keyBlock = object ? findChild(object, Tag.KeyBlock, 'Structure') : undefined;
  if (keyBlock) {
    const summary: KeyBlockSummary = { keyFormatType: requireChild(keyBlock, Tag.KeyFormatType, 'Enumeration').value };
    const alg = findChild(keyBlock, Tag.CryptographicAlgorithm, 'Enumeration');
    if (alg) summary.cryptographicAlgorithm = alg.value;
    const len = findChild(keyBlock, Tag.CryptographicLength, 'Integer');
    if (len) summary.cryptographicLength = len.value;
    const keyValue = keyBlock.value.find((c) => c.tag === Tag.KeyValue);
    // Key Value is a Structure when unwrapped, a Byte String when wrapped (then not key material).
    const material = keyValue?.type === 'Structure' ? keyValue.value.find((c) => c.tag === Tag.KeyMaterial) : undefined;
    if (material?.type === 'ByteString') summary.keyMaterial = new SecretBytes(material.value);
    res.keyBlock = summary;
  }
  return res;
}

// --- Create ----------------------------------------------------------------------------------

export interface CreateRequest {
  objectType: number;
  attributes: KmipAttribute[];
}

export function encodeCreateRequest(req: CreateRequest): TtlvItem[] {
  return [
    enumeration(Tag.ObjectType, req.objectType),
    structure(Tag.TemplateAttribute, req.attributes.map(encodeAttribute)),
  ];
}

export function decodeCreateRequest(payload: TtlvItem[]): CreateRequest {
  const r = root(payload);
  const template = findChild(r, Tag.TemplateAttribute, 'Structure');
  return {
    objectType: requireChild(r, Tag.ObjectType, 'Enumeration').value,
    attributes: template ? findChildren(template, Tag.Attribute, 'Structure').map(decodeAttribute) : [],
  };
}

export interface CreateResponse {
  objectType: number;
  uniqueIdentifier: string;
}

export function encodeCreateResponse(res: CreateResponse): TtlvItem[] {
  return [enumeration(Tag.ObjectType, res.objectType), textString(Tag.UniqueIdentifier, res.uniqueIdentifier)];
}

export function decodeCreateResponse(payload: TtlvItem[]): CreateResponse {
  const r = root(payload);
  return {
    objectType: requireChild(r, Tag.ObjectType, 'Enumeration').value,
    uniqueIdentifier: requireChild(r, Tag.UniqueIdentifier, 'TextString').value,
  };
}

// --- Activate / Destroy requests, and every response that is just an identifier -------------

export interface IdentifierRequest {
  uniqueIdentifier?: string;
}

export function encodeIdentifierRequest(req: IdentifierRequest): TtlvItem[] {
  return req.uniqueIdentifier === undefined ? [] : [textString(Tag.UniqueIdentifier, req.uniqueIdentifier)];
}

export function decodeIdentifierRequest(payload: TtlvItem[]): IdentifierRequest {
  const id = findChild(root(payload), Tag.UniqueIdentifier, 'TextString');
  return id ? { uniqueIdentifier: id.value } : {};
}

export function encodeIdentifierResponse(res: { uniqueIdentifier: string }): TtlvItem[] {
  return [textString(Tag.UniqueIdentifier, res.uniqueIdentifier)];
}

export function decodeIdentifierResponse(payload: TtlvItem[]): { uniqueIdentifier: string } {
  return { uniqueIdentifier: requireChild(root(payload), Tag.UniqueIdentifier, 'TextString').value };
}

// --- Revoke ----------------------------------------------------------------------------------

export interface RevokeRequest {
  uniqueIdentifier?: string;
  revocationReasonCode: number;
  revocationMessage?: string;
  compromiseOccurrenceDate?: Date;
}

export function encodeRevokeRequest(req: RevokeRequest): TtlvItem[] {
  const out: TtlvItem[] = [];
  if (req.uniqueIdentifier !== undefined) out.push(textString(Tag.UniqueIdentifier, req.uniqueIdentifier));
  const reason: TtlvItem[] = [enumeration(Tag.RevocationReasonCode, req.revocationReasonCode)];
  if (req.revocationMessage !== undefined) reason.push(textString(Tag.RevocationMessage, req.revocationMessage));
  out.push(structure(Tag.RevocationReason, reason));
  if (req.compromiseOccurrenceDate !== undefined) out.push(dateTime(Tag.CompromiseOccurrenceDate, req.compromiseOccurrenceDate));
  return out;
}

export function decodeRevokeRequest(payload: TtlvItem[]): RevokeRequest {
  const r = root(payload);
  const reason = requireChild(r, Tag.RevocationReason, 'Structure');
  const req: RevokeRequest = { revocationReasonCode: requireChild(reason, Tag.RevocationReasonCode, 'Enumeration').value };
  const id = findChild(r, Tag.UniqueIdentifier, 'TextString');
  if (id) req.uniqueIdentifier = id.value;
  const msg = findChild(reason, Tag.RevocationMessage, 'TextString');
  if (msg) req.revocationMessage = msg.value;
  const date = findChild(r, Tag.CompromiseOccurrenceDate, 'DateTime');
  if (date) req.compromiseOccurrenceDate = date.value;
  return req;
}

// --- batch items -----------------------------------------------------------------------------

/** One GetAttributes batch item, for callers that batch it with other operations (the probe). */
export function getAttributesItem(id: string, attributeNames: readonly string[] = KEY_SUMMARY_ATTRIBUTES): RequestBatchItem {
  return { operation: Operation.GetAttributes, payload: encodeGetAttributesRequest({ uniqueIdentifier: id, attributeNames: [...attributeNames] }) };
}

export type GetAttributesOutcome =
  | { id: string; ok: true; attributes: KmipAttribute[]; summary: KeyAttributeSummary }
  | { id: string; ok: false; error: KmipError };

/** Reads the answer to getAttributesItem(id). Throws TtlvDecodeError for a malformed payload. */
export function getAttributesOutcome(id: string, outcome: BatchOutcome): GetAttributesOutcome {
  if (!outcome.ok) return { id, ok: false, error: outcome.error };
  const { attributes } = decodeGetAttributesResponse(outcome.item.payload ?? []);
  return { id, ok: true, attributes, summary: summarizeAttributes(attributes) };
}

/** A Create batch item for an AES-256 key (the kind vCenter uses as a KEK), optionally named. */
export function createKeyItem(name?: string): RequestBatchItem {
  const attributes: KmipAttribute[] = [
    enumAttribute(AttributeName.CryptographicAlgorithm, CryptographicAlgorithm.Aes),
    integerAttribute(AttributeName.CryptographicLength, 256),
    integerAttribute(AttributeName.CryptographicUsageMask, CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt),
  ];
  if (name !== undefined) attributes.push(nameAttribute(name));
  return { operation: Operation.Create, payload: encodeCreateRequest({ objectType: ObjectType.SymmetricKey, attributes }) };
}
