/**
 * KMIP Request and Response Messages (spec section 7), both directions.
 *
 * Client side:  encodeRequestMessage(msg) → bytes on the wire → decodeResponseMessage(bytes).
 * Server side:  decodeRequestMessage(bytes) → handle each batch item → encodeResponseMessage(msg).
 *
 * A server reads one frame (TtlvFrameReader in frame-reader.ts), calls decodeRequestMessage,
 * which throws TtlvDecodeError for anything malformed (answer that with
 * errorResponseMessage(version, ResultReason.InvalidMessage, err.message)). For each
 * `batchItems[i]` it dispatches on `operation` and parses `payload` with the matching
 * `decode*Request` from operations.ts, then builds a ResponseBatchItem with
 * `successItem(request, encode*Response(...))` or `failureItem(request, reason, message)`,
 * honouring `header.batchErrorContinuationOption` via shouldContinueAfterFailure (Stop is the
 * default: after the first failed item the rest are not processed and not answered). The
 * response echoes each request item's Operation and Unique Batch Item ID and the request's
 * protocol version; encodeResponseMessage sets the Batch Count.
 */
import { BatchErrorContinuationOption, ResultStatus, type ProtocolVersion } from './enums';
import type { KmipError } from './errors';
import { Tag } from './tags';
import {
  boolean,
  byteString,
  children,
  dateTime,
  decodeTtlv,
  encodeTtlv,
  enumeration,
  findChild,
  findChildren,
  integer,
  requireChild,
  structure,
  textString,
  TtlvDecodeError,
  type TtlvDecodeOptions,
  type TtlvItem,
} from './ttlv';

export interface RequestHeader {
  protocolVersion: ProtocolVersion;
  maximumResponseSize?: number;
  batchErrorContinuationOption?: number;
  batchOrderOption?: boolean;
  timeStamp?: Date;
}

export interface RequestBatchItem {
  operation: number;
  uniqueBatchItemId?: Uint8Array;
  /** Children of the Request Payload structure (the structure itself is added on encode). */
  payload: TtlvItem[];
}

export interface RequestMessage {
  header: RequestHeader;
  batchItems: RequestBatchItem[];
}

export interface ResponseHeader {
  protocolVersion: ProtocolVersion;
  timeStamp: Date;
}

export interface ResponseBatchItem {
  /** Absent only in message-level error responses that answer no particular item. */
  operation?: number;
  uniqueBatchItemId?: Uint8Array;
  resultStatus: number;
  resultReason?: number;
  resultMessage?: string;
  /** Children of the Response Payload structure; absent when the server sent none. */
  payload?: TtlvItem[];
}

/** The answer to one batch item: its payload on success, a KmipError otherwise. */
export type BatchOutcome = { ok: true; item: ResponseBatchItem } | { ok: false; item?: ResponseBatchItem; error: KmipError };

export interface ResponseMessage {
  header: ResponseHeader;
  batchItems: ResponseBatchItem[];
}

// ---------------------------------------------------------------------------------------------

export function encodeProtocolVersion(v: ProtocolVersion): TtlvItem {
  return structure(Tag.ProtocolVersion, [
    integer(Tag.ProtocolVersionMajor, v.major),
    integer(Tag.ProtocolVersionMinor, v.minor),
  ]);
}

export function decodeProtocolVersion(item: TtlvItem): ProtocolVersion {
  return {
    major: requireChild(item, Tag.ProtocolVersionMajor, 'Integer').value,
    minor: requireChild(item, Tag.ProtocolVersionMinor, 'Integer').value,
  };
}

function expectTag(item: TtlvItem, tag: number, what: string): void {
  if (item.tag !== tag || item.type !== 'Structure') {
    throw new TtlvDecodeError('unexpected-item', `expected a ${what}`);
  }
}

function checkBatchCount(header: TtlvItem, actual: number): void {
  const declared = requireChild(header, Tag.BatchCount, 'Integer').value;
  if (declared !== actual) {
    throw new TtlvDecodeError('unexpected-item', `header declares ${declared} batch items, message has ${actual}`);
  }
}

// --- request ---------------------------------------------------------------------------------

function requestMessageToTtlv(msg: RequestMessage): TtlvItem {
  const h = msg.header;
  const header: TtlvItem[] = [encodeProtocolVersion(h.protocolVersion)];
  if (h.maximumResponseSize !== undefined) header.push(integer(Tag.MaximumResponseSize, h.maximumResponseSize));
  if (h.batchErrorContinuationOption !== undefined) {
    header.push(enumeration(Tag.BatchErrorContinuationOption, h.batchErrorContinuationOption));
  }
  if (h.batchOrderOption !== undefined) header.push(boolean(Tag.BatchOrderOption, h.batchOrderOption));
  if (h.timeStamp !== undefined) header.push(dateTime(Tag.TimeStamp, h.timeStamp));
  header.push(integer(Tag.BatchCount, msg.batchItems.length));

  const items = msg.batchItems.map((b) => {
    const fields: TtlvItem[] = [enumeration(Tag.Operation, b.operation)];
    if (b.uniqueBatchItemId !== undefined) fields.push(byteString(Tag.UniqueBatchItemId, b.uniqueBatchItemId));
    fields.push(structure(Tag.RequestPayload, b.payload));
    return structure(Tag.BatchItem, fields);
  });
  return structure(Tag.RequestMessage, [structure(Tag.RequestHeader, header), ...items]);
}

function requestMessageFromTtlv(root: TtlvItem): RequestMessage {
  expectTag(root, Tag.RequestMessage, 'Request Message');
  const h = requireChild(root, Tag.RequestHeader, 'Structure');
  const header: RequestHeader = {
    protocolVersion: decodeProtocolVersion(requireChild(h, Tag.ProtocolVersion, 'Structure')),
  };
  const maxSize = findChild(h, Tag.MaximumResponseSize, 'Integer');
  if (maxSize) header.maximumResponseSize = maxSize.value;
  const bec = findChild(h, Tag.BatchErrorContinuationOption, 'Enumeration');
  if (bec) header.batchErrorContinuationOption = bec.value;
  const order = findChild(h, Tag.BatchOrderOption, 'Boolean');
  if (order) header.batchOrderOption = order.value;
  const ts = findChild(h, Tag.TimeStamp, 'DateTime');
  if (ts) header.timeStamp = ts.value;

  const batchItems = findChildren(root, Tag.BatchItem, 'Structure').map((b): RequestBatchItem => {
    const item: RequestBatchItem = {
      operation: requireChild(b, Tag.Operation, 'Enumeration').value,
      payload: children(requireChild(b, Tag.RequestPayload, 'Structure')),
    };
    const id = findChild(b, Tag.UniqueBatchItemId, 'ByteString');
    if (id) item.uniqueBatchItemId = id.value;
    return item;
  });
  checkBatchCount(h, batchItems.length);
  return { header, batchItems };
}

export function encodeRequestMessage(msg: RequestMessage): Buffer {
  return encodeTtlv(requestMessageToTtlv(msg));
}

export function decodeRequestMessage(bytes: Uint8Array, options?: TtlvDecodeOptions): RequestMessage {
  return requestMessageFromTtlv(decodeTtlv(bytes, options));
}

// --- response --------------------------------------------------------------------------------

function responseMessageToTtlv(msg: ResponseMessage): TtlvItem {
  const header = structure(Tag.ResponseHeader, [
    encodeProtocolVersion(msg.header.protocolVersion),
    dateTime(Tag.TimeStamp, msg.header.timeStamp),
    integer(Tag.BatchCount, msg.batchItems.length),
  ]);
  const items = msg.batchItems.map((b) => {
    const fields: TtlvItem[] = [];
    if (b.operation !== undefined) fields.push(enumeration(Tag.Operation, b.operation));
    if (b.uniqueBatchItemId !== undefined) fields.push(byteString(Tag.UniqueBatchItemId, b.uniqueBatchItemId));
    fields.push(enumeration(Tag.ResultStatus, b.resultStatus));
    if (b.resultReason !== undefined) fields.push(enumeration(Tag.ResultReason, b.resultReason));
    if (b.resultMessage !== undefined) fields.push(textString(Tag.ResultMessage, b.resultMessage));
    if (b.payload !== undefined) fields.push(structure(Tag.ResponsePayload, b.payload));
    return structure(Tag.BatchItem, fields);
  });
  return structure(Tag.ResponseMessage, [header, ...items]);
}

function responseMessageFromTtlv(root: TtlvItem): ResponseMessage {
  expectTag(root, Tag.ResponseMessage, 'Response Message');
  const h = requireChild(root, Tag.ResponseHeader, 'Structure');
  const header: ResponseHeader = {
    protocolVersion: decodeProtocolVersion(requireChild(h, Tag.ProtocolVersion, 'Structure')),
    timeStamp: requireChild(h, Tag.TimeStamp, 'DateTime').value,
  };
  const batchItems = findChildren(root, Tag.BatchItem, 'Structure').map((b): ResponseBatchItem => {
    const item: ResponseBatchItem = { resultStatus: requireChild(b, Tag.ResultStatus, 'Enumeration').value };
    const op = findChild(b, Tag.Operation, 'Enumeration');
    if (op) item.operation = op.value;
    const id = findChild(b, Tag.UniqueBatchItemId, 'ByteString');
    if (id) item.uniqueBatchItemId = id.value;
    const reason = findChild(b, Tag.ResultReason, 'Enumeration');
    if (reason) item.resultReason = reason.value;
    const message = findChild(b, Tag.ResultMessage, 'TextString');
    if (message) item.resultMessage = message.value;
    const payload = findChild(b, Tag.ResponsePayload, 'Structure');
    if (payload) item.payload = payload.value;
    return item;
  });
  checkBatchCount(h, batchItems.length);
  return { header, batchItems };
}

export function encodeResponseMessage(msg: ResponseMessage): Buffer {
  return encodeTtlv(responseMessageToTtlv(msg));
}

export function decodeResponseMessage(bytes: Uint8Array, options?: TtlvDecodeOptions): ResponseMessage {
  return responseMessageFromTtlv(decodeTtlv(bytes, options));
}

// --- helpers for servers ---------------------------------------------------------------------

/** A successful answer to one request batch item, echoing its Operation and batch item ID. */
export function successItem(request: RequestBatchItem, payload: TtlvItem[]): ResponseBatchItem {
  const item: ResponseBatchItem = { operation: request.operation, resultStatus: ResultStatus.Success, payload };
  if (request.uniqueBatchItemId) item.uniqueBatchItemId = request.uniqueBatchItemId;
  return item;
}

/** A failed answer to one request batch item (Result Status Operation Failed). */
export function failureItem(request: RequestBatchItem, reason: number, message: string): ResponseBatchItem {
  const item: ResponseBatchItem = {
    operation: request.operation,
    resultStatus: ResultStatus.OperationFailed,
    resultReason: reason,
    resultMessage: message,
  };
  if (request.uniqueBatchItemId) item.uniqueBatchItemId = request.uniqueBatchItemId;
  return item;
}

/** A response to a request that could not be read at all: one failed item, no Operation. */
export function errorResponseMessage(
  protocolVersion: ProtocolVersion,
  reason: number,
  message: string,
  now = new Date(),
): ResponseMessage {
  return {
    header: { protocolVersion, timeStamp: now },
    batchItems: [{ resultStatus: ResultStatus.OperationFailed, resultReason: reason, resultMessage: message }],
  };
}

/**
 * Whether a server should go on with the remaining items after one failed, per the request's
 * Batch Error Continuation Option (default Stop). Undo is treated like Stop: nothing we serve
 * can be rolled back.
 */
export function shouldContinueAfterFailure(header: RequestHeader): boolean {
  return header.batchErrorContinuationOption === BatchErrorContinuationOption.Continue;
}
