/**
 * KMIP client for one KMS node: version negotiation, the operations Keywatch uses, and batching
 * (one request message carrying many operations, answered in one round trip).
 */
import {
  BatchErrorContinuationOption,
  compareProtocolVersions,
  formatProtocolVersion,
  MINIMUM_PROTOCOL_VERSION,
  Operation,
  QueryFunction,
  ResultReason,
  ResultStatus,
  RevocationReasonCode,
  SUPPORTED_PROTOCOL_VERSIONS,
  type ProtocolVersion,
} from './enums';
import { KmipError } from './errors';
import { decodeResponseMessage, encodeRequestMessage, type BatchOutcome, type RequestBatchItem, type ResponseBatchItem } from './messages';
import {
  createKeyItem,
  decodeCreateResponse,
  decodeDiscoverVersionsResponse,
  decodeGetResponse,
  decodeIdentifierResponse,
  decodeLocateResponse,
  decodeQueryResponse,
  encodeDiscoverVersionsRequest,
  encodeGetRequest,
  encodeIdentifierRequest,
  encodeLocateRequest,
  encodeQueryRequest,
  encodeRevokeRequest,
  getAttributesItem,
  getAttributesOutcome,
  KEY_SUMMARY_ATTRIBUTES,
  type GetAttributesOutcome,
  type GetResponse,
  type KmipAttribute,
  type LocateRequest,
  type LocateResponse,
  type QueryResponse,
} from './operations';
import { KmipConnectionPool, type KmipEndpointOptions } from './transport';
import { DEFAULT_DECODE_MAX_BYTES } from './ttlv';

export interface KmipClientOptions extends KmipEndpointOptions {
  /** Connections kept to this node. Default 2. */
  poolSize?: number;
  /** Split batches larger than this into several messages (sent concurrently over the pool). */
  maxBatchItems?: number;
  /** Skip DiscoverVersions and speak this version. */
  protocolVersion?: ProtocolVersion;
}

export interface SendOptions {
  batchErrorContinuationOption?: number;
  /** Version to put in the request header; defaults to the negotiated one. */
  protocolVersion?: ProtocolVersion;
}

/**
 * Highest version in `offered` that Keywatch speaks (1.1–1.4). Throws a KmipError naming both
 * sides' versions when there is none.
 */
export function chooseProtocolVersion(offered: readonly ProtocolVersion[]): ProtocolVersion {
  const common = offered
    .filter((v) => SUPPORTED_PROTOCOL_VERSIONS.some((s) => compareProtocolVersions(s, v) === 0))
    .sort((a, b) => compareProtocolVersions(b, a));
  const chosen = common[0];
  if (!chosen) {
    throw new KmipError({
      resultStatus: ResultStatus.OperationFailed,
      resultReason: ResultReason.OperationNotSupported,
      resultMessage: `no common KMIP version: server offers ${offered.map(formatProtocolVersion).join(', ') || 'none'}, Keywatch speaks 1.1–1.4`,
      operation: Operation.DiscoverVersions,
    });
  }
  return chosen;
}

/** The Unique Batch Item ID this client gives the item at `index` of a message. */
export function batchItemId(index: number): Uint8Array {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, index);
  return id;
}

/** The index a batchItemId() encodes, or undefined for an ID this client did not write. */
function batchIndex(id: Uint8Array | undefined): number | undefined {
  if (!id || id.length !== 4) return undefined;
  return new DataView(id.buffer, id.byteOffset, 4).getUint32(0);
}

export class KmipClient {
  private readonly options: KmipClientOptions;
  private readonly connections: KmipConnectionPool;
  private negotiation: Promise<ProtocolVersion> | undefined;
  private sent = 0;

  constructor(options: KmipClientOptions) {
    this.options = { ...options };
    this.connections = new KmipConnectionPool(options, options.poolSize ?? 2);
    if (options.protocolVersion) this.negotiation = Promise.resolve(options.protocolVersion);
  }

  get endpoint(): string {
    return this.connections.endpoint;
  }

  /** Connection pool, for callers (the probe) that need timings or the peer certificate. */
  get transport(): KmipConnectionPool {
    return this.connections;
  }

  /** Request messages this client has sent (each one round trip), whatever their answers. */
  get messagesSent(): number {
    return this.sent;
  }

  /**
   * Sends `items` in one request message (or several, when maxBatchItems splits them) and returns
   * one outcome per item, in order. Items the server did not answer (the default Stop option
   * after a failure) come back failed with reason Operation Canceled By Requester.
   */
  async send(items: RequestBatchItem[], options: SendOptions = {}): Promise<BatchOutcome[]> {
    if (items.length === 0) return [];
    const version = options.protocolVersion ?? (await this.negotiatedVersion());
    const { maxBatchItems } = this.options;
    const chunkSize = maxBatchItems && maxBatchItems > 0 ? maxBatchItems : items.length;
    const chunks: RequestBatchItem[][] = [];
    for (let i = 0; i < items.length; i += chunkSize) chunks.push(items.slice(i, i + chunkSize));
    const results = await Promise.all(chunks.map((chunk) => this.sendOneMessage(chunk, version, options)));
    return results.flat();
  }

  private async sendOneMessage(items: RequestBatchItem[], version: ProtocolVersion, options: SendOptions): Promise<BatchOutcome[]> {
    // Batch item IDs are required once a message carries more than one item; they are also how
    // answers are matched to questions, since a server may answer in any order.
    const tagged = items.map((item, i) => (items.length > 1 ? { ...item, uniqueBatchItemId: batchItemId(i) } : item));
    const request = encodeRequestMessage({
      header: {
        protocolVersion: version,
        ...(options.batchErrorContinuationOption !== undefined && { batchErrorContinuationOption: options.batchErrorContinuationOption }),
      },
      batchItems: tagged,
    });
    const frame = await this.connections.withConnection((conn) => {
      this.sent++;
      return conn.request(request);
    });
    const response = decodeResponseMessage(frame, { maxBytes: this.options.maxMessageBytes ?? DEFAULT_DECODE_MAX_BYTES });

    // A single failed item without an Operation answers the whole message (it could not be read).
    const first = response.batchItems[0];
    if (response.batchItems.length === 1 && first && first.operation === undefined && first.resultStatus !== ResultStatus.Success) {
      const error = new KmipError(first);
      return tagged.map(() => ({ ok: false, item: first, error }));
    }

    // Some servers leave out the batch item IDs; when they answered every item, order decides.
    const positional =
      items.length === 1 || (response.batchItems.length === items.length && response.batchItems.every((r) => r.uniqueBatchItemId === undefined));
    // One pass over the answers: looking each one up by scanning made large batches quadratic.
    const byIndex = new Map<number, ResponseBatchItem>();
    if (!positional) {
      for (const answer of response.batchItems) {
        const index = batchIndex(answer.uniqueBatchItemId);
        if (index !== undefined && !byIndex.has(index)) byIndex.set(index, answer);
      }
    }
    return tagged.map((req, i): BatchOutcome => {
      const item = positional ? response.batchItems[i] : byIndex.get(i);
      if (!item) {
        return {
          ok: false,
          error: new KmipError({
            resultStatus: ResultStatus.OperationFailed,
            resultReason: ResultReason.OperationCanceledByRequester,
            resultMessage: 'not processed: an earlier item in the batch failed',
            operation: req.operation,
          }),
        };
      }
      if (item.resultStatus !== ResultStatus.Success) {
        return { ok: false, item, error: new KmipError({ ...item, operation: item.operation ?? req.operation }) };
      }
      return { ok: true, item };
    });
  }

  private async sendOne(item: RequestBatchItem, options: SendOptions = {}): Promise<ResponseBatchItem> {
    const [outcome] = await this.send([item], options);
    if (!outcome) throw new Error('no outcome for a single-item batch');
    if (!outcome.ok) throw outcome.error;
    return outcome.item;
  }

  /** The protocol versions the server says it supports, most preferred first. */
  async discoverVersions(): Promise<ProtocolVersion[]> {
    const item = await this.sendOne(
      { operation: Operation.DiscoverVersions, payload: encodeDiscoverVersionsRequest([]) },
      { protocolVersion: MINIMUM_PROTOCOL_VERSION },
    );
    return decodeDiscoverVersionsResponse(item.payload ?? []);
  }

  /**
   * Highest version both sides speak, between 1.1 and 1.4. DiscoverVersions is sent with a 1.1
   * header, the floor vCenter uses, and lists our versions so the server answers with the
   * common ones.
   */
  negotiatedVersion(): Promise<ProtocolVersion> {
    this.negotiation ??= (async () => {
      try {
        const item = await this.sendOne(
          { operation: Operation.DiscoverVersions, payload: encodeDiscoverVersionsRequest(SUPPORTED_PROTOCOL_VERSIONS) },
          { protocolVersion: MINIMUM_PROTOCOL_VERSION },
        );
        return chooseProtocolVersion(decodeDiscoverVersionsResponse(item.payload ?? []));
      } catch (err) {
        // A failed negotiation is not cached: the next request tries again.
        this.negotiation = undefined;
        throw err;
      }
    })();
    return this.negotiation;
  }

  /** Speak `version` from now on (e.g. chosen by the caller from discoverVersions()). */
  adoptProtocolVersion(version: ProtocolVersion): void {
    this.negotiation = Promise.resolve(version);
  }

  async query(
    functions: number[] = [QueryFunction.QueryOperations, QueryFunction.QueryObjects, QueryFunction.QueryServerInformation],
  ): Promise<QueryResponse> {
    const item = await this.sendOne({ operation: Operation.Query, payload: encodeQueryRequest(functions) });
    return decodeQueryResponse(item.payload ?? []);
  }

  /** Locate by attributes (an array), or with Maximum Items / Offset Items too (a LocateRequest). */
  async locate(request: KmipAttribute[] | LocateRequest = {}): Promise<LocateResponse> {
    const payload = encodeLocateRequest(Array.isArray(request) ? { attributes: request } : request);
    const item = await this.sendOne({ operation: Operation.Locate, payload });
    return decodeLocateResponse(item.payload ?? []);
  }

  /**
   * One GetAttributes per id, all in one message with Batch Error Continuation = Continue so that
   * a missing key does not stop the others. Returns one outcome per id, in order.
   */
  async getAttributes(ids: readonly string[], attributeNames: readonly string[] = KEY_SUMMARY_ATTRIBUTES): Promise<GetAttributesOutcome[]> {
    const outcomes = await this.send(
      ids.map((id) => getAttributesItem(id, attributeNames)),
      { batchErrorContinuationOption: BatchErrorContinuationOption.Continue },
    );
    return outcomes.map((o, i) => getAttributesOutcome(ids[i] as string, o));
  }

  /** Fetches key material. Keywatch never calls this on its own; the result redacts itself. */
  async get(id: string, options: { keyFormatType?: number } = {}): Promise<GetResponse> {
    const item = await this.sendOne({ operation: Operation.Get, payload: encodeGetRequest({ uniqueIdentifier: id, ...options }) });
    return decodeGetResponse(item.payload ?? []);
  }

  /** Creates an AES-256 key (the kind vCenter uses as a KEK), optionally named. Returns its id. */
  async create(options: { name?: string } = {}): Promise<string> {
    const item = await this.sendOne(createKeyItem(options.name));
    return decodeCreateResponse(item.payload ?? []).uniqueIdentifier;
  }

  async activate(id: string): Promise<void> {
    const item = await this.sendOne({ operation: Operation.Activate, payload: encodeIdentifierRequest({ uniqueIdentifier: id }) });
    decodeIdentifierResponse(item.payload ?? []);
  }

  async revoke(id: string, reasonCode: number = RevocationReasonCode.CessationOfOperation, message?: string): Promise<void> {
    const item = await this.sendOne({
      operation: Operation.Revoke,
      payload: encodeRevokeRequest({ uniqueIdentifier: id, revocationReasonCode: reasonCode, ...(message !== undefined && { revocationMessage: message }) }),
    });
    decodeIdentifierResponse(item.payload ?? []);
  }

  async destroy(id: string): Promise<void> {
    const item = await this.sendOne({ operation: Operation.Destroy, payload: encodeIdentifierRequest({ uniqueIdentifier: id }) });
    decodeIdentifierResponse(item.payload ?? []);
  }

  close(): void {
    this.connections.close();
  }
}
