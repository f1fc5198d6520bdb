/**
 * The lab KMS's KMIP engine: one request message in, one response message out, against a
 * KeyStore. No sockets here (see node.ts), so the protocol behaviour is testable on bytes.
 *
 * Follows KMIP 1.x semantics and PyKMIP's choices where the spec leaves room:
 * - batch items run in order; after a failure the rest are skipped (and not answered) unless
 *   the header asks for Batch Error Continuation = Continue; Undo is treated like Stop;
 * - a missing Unique Identifier means the ID Placeholder (the object of the previous item);
 * - Activate needs Pre-Active, Destroy refuses Active keys, Revoke other than for compromise
 *   needs Active (Permission Denied / Illegal Operation, as PyKMIP answers);
 * - destroyed keys keep their metadata (state Destroyed) but lose their key material.
 */
import {
  CryptographicAlgorithm,
  CryptographicUsageMask,
  ObjectType,
  Operation,
  QueryFunction,
  ResultReason,
  RevocationReasonCode,
  State,
  compareProtocolVersions,
  type ProtocolVersion,
} from '@/lib/kmip/enums';
import {
  decodeRequestMessage,
  encodeResponseMessage,
  errorResponseMessage,
  failureItem,
  shouldContinueAfterFailure,
  successItem,
  type RequestBatchItem,
  type RequestMessage,
  type ResponseBatchItem,
  type ResponseMessage,
} from '@/lib/kmip/messages';
import {
  AttributeName,
  dateAttribute,
  decodeCreateRequest,
  decodeDiscoverVersionsRequest,
  decodeGetAttributesRequest,
  decodeGetRequest,
  decodeIdentifierRequest,
  decodeLocateRequest,
  decodeQueryRequest,
  decodeRevokeRequest,
  encodeCreateResponse,
  encodeDiscoverVersionsResponse,
  encodeGetAttributesResponse,
  encodeGetResponse,
  encodeIdentifierResponse,
  encodeLocateResponse,
  encodeQueryResponse,
  enumAttribute,
  integerAttribute,
  nameAttribute,
  symmetricKeyObject,
  textAttribute,
  type KmipAttribute,
} from '@/lib/kmip/operations';
import { Tag } from '@/lib/kmip/tags';
import { enumeration, structure, textString, TtlvDecodeError, type TtlvItem } from '@/lib/kmip/ttlv';
import type { KeyStore, StoredKey } from './key-store';

/** Versions the lab speaks, most preferred first (the 1.x wire shapes of the shared codec). */
export const LAB_PROTOCOL_VERSIONS: readonly ProtocolVersion[] = [
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
  { major: 1, minor: 1 },
  { major: 1, minor: 0 },
];

export const LAB_OPERATIONS: readonly number[] = [
  Operation.Create,
  Operation.Locate,
  Operation.Get,
  Operation.GetAttributes,
  Operation.Activate,
  Operation.Revoke,
  Operation.Destroy,
  Operation.Query,
  Operation.DiscoverVersions,
];

export const LAB_VENDOR_IDENTIFICATION = 'Keywatch Lab KMS';

export interface KmipHandlerContext {
  store: KeyStore;
  /** Client identity from the TLS client certificate (its CN), recorded as the key owner. */
  clientIdentity?: string;
  /** Shown in Query → Server Information. */
  serverName: string;
  /** Called after every change to a key (create, activate, revoke, destroy): replication hook. */
  onKeyChanged?: (key: StoredKey) => void;
  now?: () => Date;
}

/** A failure of one batch item, turned into Result Reason + Message by the dispatcher. */
class ItemFailure extends Error {
  constructor(
    readonly reason: number,
    message: string,
  ) {
    super(message);
  }
}

const isSupported = (v: ProtocolVersion): boolean => LAB_PROTOCOL_VERSIONS.some((s) => compareProtocolVersions(s, v) === 0);

/** Decodes, handles and encodes one message. Malformed input gets an Invalid Message answer. */
export function handleRequestBytes(bytes: Uint8Array, ctx: KmipHandlerContext, options: { maxMessageBytes?: number } = {}): Buffer {
  let request: RequestMessage;
  try {
    request = decodeRequestMessage(bytes, { maxBytes: options.maxMessageBytes });
  } catch (error) {
    return unreadableRequestResponse(error, now(ctx));
  }
  const response = encodeResponseMessage(handleRequest(request, ctx));
  const limit = request.header.maximumResponseSize;
  if (limit !== undefined && response.byteLength > limit) {
    return encodeResponseMessage(
      errorResponseMessage(
        request.header.protocolVersion,
        ResultReason.ResponseTooLarge,
        `The response would be ${response.byteLength} bytes, more than the requested maximum of ${limit}.`,
        now(ctx),
      ),
    );
  }
  return response;
}

/**
 * The Invalid Message answer to bytes that are not a readable request message (also sent by the
 * node for a bad frame header). Versioned 1.0: the request's own version could not be read.
 */
export function unreadableRequestResponse(error: unknown, at = new Date()): Buffer {
  const message = error instanceof TtlvDecodeError ? `Could not read the request message: ${error.message}` : 'Could not read the request message.';
  return encodeResponseMessage(errorResponseMessage({ major: 1, minor: 0 }, ResultReason.InvalidMessage, message, at));
}

function now(ctx: KmipHandlerContext): Date {
  return ctx.now ? ctx.now() : new Date();
}

export function handleRequest(request: RequestMessage, ctx: KmipHandlerContext): ResponseMessage {
  const version = request.header.protocolVersion;
  const onlyDiscovery = request.batchItems.every((b) => b.operation === Operation.DiscoverVersions);
  // DiscoverVersions must work whatever version the client guessed first; it is how it finds out.
  if (!isSupported(version) && !onlyDiscovery) {
    const highest = LAB_PROTOCOL_VERSIONS[0]!;
    return errorResponseMessage(
      highest,
      ResultReason.InvalidMessage,
      `KMIP ${version.major}.${version.minor} is not supported; this server speaks 1.0 to 1.4 (use DiscoverVersions).`,
      now(ctx),
    );
  }
  const responseVersion = isSupported(version) ? version : LAB_PROTOCOL_VERSIONS[0]!;

  const answers: ResponseBatchItem[] = [];
  let placeholder: string | undefined;
  const continueAfterFailure = shouldContinueAfterFailure(request.header);
  for (const item of request.batchItems) {
    try {
      const { payload, id } = handleItem(item, { ...ctx, version: responseVersion, placeholder });
      if (id !== undefined) placeholder = id;
      answers.push(successItem(item, payload));
    } catch (error) {
      answers.push(toFailure(item, error));
      if (!continueAfterFailure) break;
    }
  }
  return { header: { protocolVersion: responseVersion, timeStamp: now(ctx) }, batchItems: answers };
}

function toFailure(item: RequestBatchItem, error: unknown): ResponseBatchItem {
  if (error instanceof ItemFailure) return failureItem(item, error.reason, error.message);
  if (error instanceof TtlvDecodeError) return failureItem(item, ResultReason.InvalidField, `The request payload is malformed: ${error.message}`);
  return failureItem(item, ResultReason.GeneralFailure, 'The server failed while processing this item.');
}

interface ItemContext extends KmipHandlerContext {
  version: ProtocolVersion;
  placeholder: string | undefined;
}

interface ItemResult {
  payload: TtlvItem[];
  /** The object this item acted on: the next item's ID Placeholder. */
  id?: string;
}

function handleItem(item: RequestBatchItem, ctx: ItemContext): ItemResult {
  switch (item.operation) {
    case Operation.DiscoverVersions:
      return discoverVersions(item.payload);
    case Operation.Query:
      return query(item.payload, ctx);
    case Operation.Create:
      return create(item.payload, ctx);
    case Operation.Locate:
      return locate(item.payload, ctx);
    case Operation.GetAttributes:
      return getAttributes(item.payload, ctx);
    case Operation.Get:
      return get(item.payload, ctx);
    case Operation.Activate:
      return activate(item.payload, ctx);
    case Operation.Revoke:
      return revoke(item.payload, ctx);
    case Operation.Destroy:
      return destroy(item.payload, ctx);
    default:
      throw new ItemFailure(ResultReason.OperationNotSupported, `Operation 0x${item.operation.toString(16)} is not supported by this server.`);
  }
}

// --- operations ------------------------------------------------------------------------------

function discoverVersions(payload: TtlvItem[]): ItemResult {
  const offered = decodeDiscoverVersionsRequest(payload);
  const versions =
    offered.length === 0
      ? [...LAB_PROTOCOL_VERSIONS]
      : LAB_PROTOCOL_VERSIONS.filter((ours) => offered.some((theirs) => compareProtocolVersions(ours, theirs) === 0));
  return { payload: encodeDiscoverVersionsResponse(versions) };
}

function query(payload: TtlvItem[], ctx: ItemContext): ItemResult {
  const functions = new Set(decodeQueryRequest(payload));
  return {
    payload: encodeQueryResponse({
      ...(functions.has(QueryFunction.QueryOperations) && { operations: LAB_OPERATIONS }),
      ...(functions.has(QueryFunction.QueryObjects) && { objectTypes: [ObjectType.SymmetricKey] }),
      ...(functions.has(QueryFunction.QueryServerInformation) && {
        vendorIdentification: LAB_VENDOR_IDENTIFICATION,
        serverInformation: [textString(Tag.ServerName, ctx.serverName), textString(Tag.ServerVersion, '1.0')],
      }),
    }),
  };
}

const AES_LENGTHS = new Set([128, 192, 256]);

function create(payload: TtlvItem[], ctx: ItemContext): ItemResult {
  const request = decodeCreateRequest(payload);
  if (request.objectType !== ObjectType.SymmetricKey) {
    throw new ItemFailure(ResultReason.InvalidField, 'Only symmetric keys can be created on this server.');
  }
  let algorithm: number | undefined;
  let lengthBits: number | undefined;
  let usageMask = CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt;
  let activationDate: Date | undefined;
  const names: string[] = [];
  for (const attribute of request.attributes) {
    const v = attribute.value;
    switch (attribute.name) {
      case AttributeName.CryptographicAlgorithm:
        if (v.type !== 'Enumeration') throw new ItemFailure(ResultReason.InvalidField, 'Cryptographic Algorithm must be an Enumeration.');
        algorithm = v.value;
        break;
      case AttributeName.CryptographicLength:
        if (v.type !== 'Integer') throw new ItemFailure(ResultReason.InvalidField, 'Cryptographic Length must be an Integer.');
        lengthBits = v.value;
        break;
      case AttributeName.CryptographicUsageMask:
        if (v.type !== 'Integer') throw new ItemFailure(ResultReason.InvalidField, 'Cryptographic Usage Mask must be an Integer.');
        usageMask = v.value;
        break;
      case AttributeName.ActivationDate:
        if (v.type !== 'DateTime') throw new ItemFailure(ResultReason.InvalidField, 'Activation Date must be a Date-Time.');
        activationDate = v.value;
        break;
      case AttributeName.Name: {
        const nameValue = v.type === 'Structure' ? v.value.find((c) => c.tag === Tag.NameValue) : undefined;
        if (nameValue?.type !== 'TextString') throw new ItemFailure(ResultReason.InvalidField, 'Name must carry a Name Value text string.');
        names.push(nameValue.value);
        break;
      }
      // Operation Policy Name, Object Group and other descriptive attributes are accepted and not kept.
    }
  }
  if (algorithm === undefined) throw new ItemFailure(ResultReason.InvalidField, 'The Cryptographic Algorithm attribute is required.');
  if (algorithm !== CryptographicAlgorithm.Aes) throw new ItemFailure(ResultReason.InvalidField, 'Only AES keys can be created on this server.');
  if (lengthBits === undefined) throw new ItemFailure(ResultReason.InvalidField, 'The Cryptographic Length attribute is required.');
  if (!AES_LENGTHS.has(lengthBits)) throw new ItemFailure(ResultReason.InvalidField, `An AES key cannot be ${lengthBits} bits long (128, 192 or 256).`);

  const key = ctx.store.create(
    {
      objectType: ObjectType.SymmetricKey,
      algorithm,
      lengthBits,
      usageMask,
      names,
      ...(ctx.clientIdentity !== undefined && { owner: ctx.clientIdentity }),
      ...(activationDate && { activationDate }),
    },
    now(ctx),
  );
  ctx.onKeyChanged?.(key);
  return { payload: encodeCreateResponse({ objectType: ObjectType.SymmetricKey, uniqueIdentifier: key.id }), id: key.id };
}

function keyAttributes(key: StoredKey): KmipAttribute[] {
  const attributes: KmipAttribute[] = [
    textAttribute(AttributeName.UniqueIdentifier, key.id),
    ...key.names.map((n) => nameAttribute(n)),
    enumAttribute(AttributeName.ObjectType, key.objectType),
    enumAttribute(AttributeName.CryptographicAlgorithm, key.algorithm),
    integerAttribute(AttributeName.CryptographicLength, key.lengthBits),
    integerAttribute(AttributeName.CryptographicUsageMask, key.usageMask),
    enumAttribute(AttributeName.State, key.state),
    dateAttribute(AttributeName.InitialDate, new Date(key.initialDate)),
  ];
  const dates: [string, string | undefined][] = [
    [AttributeName.ActivationDate, key.activationDate],
    [AttributeName.DeactivationDate, key.deactivationDate],
    [AttributeName.CompromiseOccurrenceDate, key.compromiseOccurrenceDate],
    [AttributeName.CompromiseDate, key.compromiseDate],
    [AttributeName.DestroyDate, key.destroyDate],
    [AttributeName.LastChangeDate, key.lastChangeDate],
  ];
  for (const [name, iso] of dates) if (iso !== undefined) attributes.push(dateAttribute(name, new Date(iso)));
  if (key.revocationReason) {
    const reason: TtlvItem[] = [enumeration(Tag.RevocationReasonCode, key.revocationReason.code)];
    if (key.revocationReason.message !== undefined) reason.push(textString(Tag.RevocationMessage, key.revocationReason.message));
    attributes.push({ name: AttributeName.RevocationReason, value: structure(Tag.AttributeValue, reason) });
  }
  return attributes;
}

function resolveId(requested: string | undefined, ctx: ItemContext): string {
  const id = requested ?? ctx.placeholder;
  if (id === undefined) {
    throw new ItemFailure(ResultReason.InvalidField, 'No Unique Identifier given and no earlier batch item set the ID Placeholder.');
  }
  return id;
}

function requireKey(id: string, ctx: ItemContext): StoredKey {
  const key = ctx.store.get(id);
  if (!key) throw new ItemFailure(ResultReason.ItemNotFound, `No object with Unique Identifier ${id} exists on this server.`);
  return key;
}

function getAttributes(payload: TtlvItem[], ctx: ItemContext): ItemResult {
  const request = decodeGetAttributesRequest(payload);
  const key = requireKey(resolveId(request.uniqueIdentifier, ctx), ctx);
  const all = keyAttributes(key);
  const wanted = new Set(request.attributeNames);
  const attributes = wanted.size === 0 ? all : all.filter((a) => wanted.has(a.name));
  return { payload: encodeGetAttributesResponse({ uniqueIdentifier: key.id, attributes }), id: key.id };
}

function get(payload: TtlvItem[], ctx: ItemContext): ItemResult {
  const request = decodeGetRequest(payload);
  const key = requireKey(resolveId(request.uniqueIdentifier, ctx), ctx);
  if (request.keyFormatType !== undefined && request.keyFormatType !== 0x01) {
    throw new ItemFailure(ResultReason.KeyFormatTypeNotSupported, 'Only the Raw key format is available on this server.');
  }
  if (key.material === undefined) {
    throw new ItemFailure(ResultReason.PermissionDenied, `Key ${key.id} has been destroyed; its key material is gone.`);
  }
  const object = symmetricKeyObject(Buffer.from(key.material, 'base64'), key.algorithm, key.lengthBits);
  return { payload: encodeGetResponse({ objectType: key.objectType, uniqueIdentifier: key.id, object }), id: key.id };
}

function matches(key: StoredKey, filter: KmipAttribute[]): boolean {
  if (filter.length === 0) return true;
  const attributes = keyAttributes(key);
  return filter.every((wanted) => attributes.some((have) => have.name === wanted.name && sameValue(have.value, wanted.value)));
}

function sameValue(a: TtlvItem, b: TtlvItem): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'Structure' && b.type === 'Structure') {
    // Name: compare the Name Value only; clients differ in whether they send the Name Type.
    const nameA = a.value.find((c) => c.tag === Tag.NameValue);
    const nameB = b.value.find((c) => c.tag === Tag.NameValue);
    if (nameA && nameB) return sameValue(nameA, nameB);
    return a.value.length === b.value.length && a.value.every((c, i) => b.value[i] !== undefined && c.tag === b.value[i].tag && sameValue(c, b.value[i]));
  }
  if (a.type === 'DateTime' && b.type === 'DateTime') return a.value.getTime() === b.value.getTime();
  if (a.type === 'ByteString' && b.type === 'ByteString') return Buffer.from(a.value).equals(Buffer.from(b.value));
  return a.value === b.value;
}

function locate(payload: TtlvItem[], ctx: ItemContext): ItemResult {
  const request = decodeLocateRequest(payload);
  const found = ctx.store
    .list()
    .filter((k) => matches(k, request.attributes ?? []))
    .map((k) => k.id);
  const offset = request.offsetItems ?? 0;
  const page = found.slice(offset, request.maximumItems === undefined ? undefined : offset + request.maximumItems);
  // Located Items exists from KMIP 1.3 on.
  const reportTotal = compareProtocolVersions(ctx.version, { major: 1, minor: 3 }) >= 0;
  return { payload: encodeLocateResponse({ uniqueIdentifiers: page, ...(reportTotal && { locatedItems: found.length }) }) };
}

function change(ctx: ItemContext, id: string, apply: (key: StoredKey, at: string) => StoredKey): StoredKey {
  const at = now(ctx).toISOString();
  const updated = ctx.store.update(id, (key) => ({ ...apply(key, at), lastChangeDate: at }));
  if (!updated) throw new ItemFailure(ResultReason.ItemNotFound, `No object with Unique Identifier ${id} exists on this server.`);
  ctx.onKeyChanged?.(updated);
  return updated;
}

function activate(payload: TtlvItem[], ctx: ItemContext): ItemResult {
  const id = resolveId(decodeIdentifierRequest(payload).uniqueIdentifier, ctx);
  const key = requireKey(id, ctx);
  if (key.state !== State.PreActive) {
    throw new ItemFailure(ResultReason.PermissionDenied, `Key ${id} is not Pre-Active and cannot be activated.`);
  }
  change(ctx, id, (k, at) => ({ ...k, state: State.Active, activationDate: at }));
  return { payload: encodeIdentifierResponse({ uniqueIdentifier: id }), id };
}

const COMPROMISE_CODES: ReadonlySet<number> = new Set([RevocationReasonCode.KeyCompromise, RevocationReasonCode.CaCompromise]);

function revoke(payload: TtlvItem[], ctx: ItemContext): ItemResult {
  const request = decodeRevokeRequest(payload);
  const id = resolveId(request.uniqueIdentifier, ctx);
  const key = requireKey(id, ctx);
  const reason = { code: request.revocationReasonCode, ...(request.revocationMessage !== undefined && { message: request.revocationMessage }) };
  if (COMPROMISE_CODES.has(request.revocationReasonCode)) {
    const destroyed = key.state === State.Destroyed || key.state === State.DestroyedCompromised;
    change(ctx, id, (k, at) => ({
      ...k,
      state: destroyed ? State.DestroyedCompromised : State.Compromised,
      compromiseDate: at,
      compromiseOccurrenceDate: (request.compromiseOccurrenceDate ?? new Date(at)).toISOString(),
      revocationReason: reason,
    }));
  } else {
    if (key.state !== State.Active) {
      throw new ItemFailure(ResultReason.IllegalOperation, `Key ${id} is not Active; only a compromise can revoke it.`);
    }
    change(ctx, id, (k, at) => ({ ...k, state: State.Deactivated, deactivationDate: at, revocationReason: reason }));
  }
  return { payload: encodeIdentifierResponse({ uniqueIdentifier: id }), id };
}

function destroy(payload: TtlvItem[], ctx: ItemContext): ItemResult {
  const id = resolveId(decodeIdentifierRequest(payload).uniqueIdentifier, ctx);
  const key = requireKey(id, ctx);
  if (key.state === State.Active) {
    throw new ItemFailure(ResultReason.PermissionDenied, `Key ${id} is Active; revoke it before destroying it.`);
  }
  if (key.state === State.Destroyed || key.state === State.DestroyedCompromised) {
    throw new ItemFailure(ResultReason.PermissionDenied, `Key ${id} is already destroyed.`);
  }
  change(ctx, id, (k, at) => {
    const { material: _material, ...rest } = k;
    return { ...rest, state: k.state === State.Compromised ? State.DestroyedCompromised : State.Destroyed, destroyDate: at };
  });
  return { payload: encodeIdentifierResponse({ uniqueIdentifier: id }), id };
}
