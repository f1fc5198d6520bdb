/**
 * TTLV (Tag-Type-Length-Value), the binary encoding of KMIP 1.x/2.0 (spec section 9.1).
 *
 * Every item is: 3-byte tag, 1-byte type, 4-byte big-endian length of the value, the value,
 * then zero padding up to the next multiple of 8. A Structure's value is its encoded children.
 *
 * The decoder is written for hostile input: every length is checked against the bytes actually
 * present (and a configured maximum) before anything is read or copied, nesting depth is
 * bounded, and every failure is a {@link TtlvDecodeError} with a machine-readable code.
 */
import { isExtensionTag, isKnownTag, tagName } from './tags';

export const ItemType = {
  Structure: 0x01,
  Integer: 0x02,
  LongInteger: 0x03,
  BigInteger: 0x04,
  Enumeration: 0x05,
  Boolean: 0x06,
  TextString: 0x07,
  ByteString: 0x08,
  DateTime: 0x09,
  Interval: 0x0a,
} as const;

export type ItemTypeName = keyof typeof ItemType;

export type TtlvItem =
  | { tag: number; type: 'Structure'; value: TtlvItem[] }
  | { tag: number; type: 'Integer'; value: number }
  | { tag: number; type: 'LongInteger'; value: bigint }
  | { tag: number; type: 'BigInteger'; value: bigint }
  | { tag: number; type: 'Enumeration'; value: number }
  | { tag: number; type: 'Boolean'; value: boolean }
  | { tag: number; type: 'TextString'; value: string }
  | { tag: number; type: 'ByteString'; value: Uint8Array }
  | { tag: number; type: 'DateTime'; value: Date }
  | { tag: number; type: 'Interval'; value: number };

export type TtlvItemOf<T extends ItemTypeName> = Extract<TtlvItem, { type: T }>;

export const TTLV_HEADER_BYTES = 8;

export type TtlvDecodeErrorCode =
  | 'truncated' // fewer bytes than a header or a declared length needs
  | 'length-overrun' // a declared length runs past the enclosing structure or buffer
  | 'too-large' // a declared length exceeds the configured maximum message size
  | 'bad-length' // a fixed-size type declares the wrong length
  | 'bad-padding' // padding bytes are not zero
  | 'too-deep' // structures nested beyond the configured depth
  | 'unknown-tag' // tag outside the KMIP registry and the vendor-extension range
  | 'unknown-type' // type byte is not one of the ten item types
  | 'invalid-value' // e.g. Boolean other than 0/1, Date-Time out of range
  | 'invalid-utf8' // Text String is not valid UTF-8
  | 'trailing-bytes' // bytes left after the top-level item
  | 'unexpected-item'; // well-formed TTLV that does not match the expected message shape

export class TtlvDecodeError extends Error {
  override readonly name = 'TtlvDecodeError';
  constructor(
    readonly code: TtlvDecodeErrorCode,
    message: string,
    readonly offset = -1,
  ) {
    super(message);
  }
}

/** Raised for values that cannot be represented on the wire (a programming error, not input). */
export class TtlvEncodeError extends Error {
  override readonly name = 'TtlvEncodeError';
}

export interface TtlvDecodeOptions {
  /** Largest total encoding accepted, in bytes. Default 16 MiB. */
  maxBytes?: number;
  /** Deepest structure nesting accepted (the top-level item is depth 1). Default 32. */
  maxDepth?: number;
  /** Accept tags that are neither in the registry nor in the vendor-extension range. Default false. */
  allowUnknownTags?: boolean;
}

/**
 * Largest message the codec decodes unless told otherwise; also what Keywatch's client accepts
 * as a response. (A lab KMS node has its own, smaller limit for requests: LAB_MAX_REQUEST_BYTES.)
 */
export const DEFAULT_DECODE_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 32;

// ---------------------------------------------------------------------------------------------
// Builders

export const structure = (tag: number, value: TtlvItem[]): TtlvItem => ({ tag, type: 'Structure', value });
export const integer = (tag: number, value: number): TtlvItem => ({ tag, type: 'Integer', value });
export const longInteger = (tag: number, value: bigint): TtlvItem => ({ tag, type: 'LongInteger', value });
export const bigInteger = (tag: number, value: bigint): TtlvItem => ({ tag, type: 'BigInteger', value });
export const enumeration = (tag: number, value: number): TtlvItem => ({ tag, type: 'Enumeration', value });
export const boolean = (tag: number, value: boolean): TtlvItem => ({ tag, type: 'Boolean', value });
export const textString = (tag: number, value: string): TtlvItem => ({ tag, type: 'TextString', value });
export const byteString = (tag: number, value: Uint8Array): TtlvItem => ({ tag, type: 'ByteString', value });
export const dateTime = (tag: number, value: Date): TtlvItem => ({ tag, type: 'DateTime', value });
export const interval = (tag: number, value: number): TtlvItem => ({ tag, type: 'Interval', value });

// ---------------------------------------------------------------------------------------------
// Encoder

// Arithmetic, not bitwise: lengths up to 2^32 - 1 must not wrap to negative.
const padTo8 = (n: number): number => Math.ceil(n / 8) * 8;

function bigIntegerByteLength(value: bigint): number {
  // Smallest multiple of 8 bytes whose two's complement range holds the value.
  let bytes = 8;
  for (;;) {
    const limit = 1n << BigInt(bytes * 8 - 1);
    if (value >= -limit && value < limit) return bytes;
    bytes += 8;
  }
}

/**
 * Value lengths of every item in the tree, in pre-order, computed once: the writer then walks
 * the tree in the same order. (Recomputing per structure made encoding quadratic in depth.)
 */
function measure(item: TtlvItem, lengths: number[]): number {
  const slot = lengths.length;
  lengths.push(0);
  let length: number;
  switch (item.type) {
    case 'Structure':
      length = 0;
      for (const child of item.value) length += TTLV_HEADER_BYTES + padTo8(measure(child, lengths));
      break;
    case 'Integer':
    case 'Enumeration':
    case 'Interval':
      length = 4;
      break;
    case 'LongInteger':
    case 'Boolean':
    case 'DateTime':
      length = 8;
      break;
    case 'BigInteger':
      length = bigIntegerByteLength(item.value);
      break;
    case 'TextString':
      length = Buffer.byteLength(item.value, 'utf8');
      break;
    case 'ByteString':
      length = item.value.byteLength;
      break;
  }
  lengths[slot] = length;
  return length;
}

interface WriteCursor {
  lengths: number[];
  next: number;
}

function checkTag(tag: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xffffff) {
    throw new TtlvEncodeError(`tag ${tag} does not fit in 3 bytes`);
  }
}

function writeItem(buf: Buffer, offset: number, item: TtlvItem, cursor: WriteCursor): number {
  checkTag(item.tag);
  const length = cursor.lengths[cursor.next++] as number;
  buf[offset] = item.tag >>> 16;
  buf[offset + 1] = (item.tag >>> 8) & 0xff;
  buf[offset + 2] = item.tag & 0xff;
  buf[offset + 3] = ItemType[item.type];
  buf.writeUInt32BE(length, offset + 4);
  let at = offset + TTLV_HEADER_BYTES;
  switch (item.type) {
    case 'Structure':
      for (const child of item.value) at = writeItem(buf, at, child, cursor);
      return at;
    case 'Integer':
      if (!Number.isInteger(item.value) || item.value < -0x80000000 || item.value > 0x7fffffff) {
        throw new TtlvEncodeError(`Integer ${tagName(item.tag)}=${item.value} is not a signed 32-bit integer`);
      }
      buf.writeInt32BE(item.value, at);
      break;
    case 'Enumeration':
    case 'Interval':
      if (!Number.isInteger(item.value) || item.value < 0 || item.value > 0xffffffff) {
        throw new TtlvEncodeError(`${item.type} ${tagName(item.tag)}=${item.value} is not an unsigned 32-bit value`);
      }
      buf.writeUInt32BE(item.value, at);
      break;
    case 'LongInteger':
      if (item.value < -(1n << 63n) || item.value >= 1n << 63n) {
        throw new TtlvEncodeError(`Long Integer ${tagName(item.tag)} is not a signed 64-bit integer`);
      }
      buf.writeBigInt64BE(item.value, at);
      break;
    case 'Boolean':
      buf.writeBigUInt64BE(item.value ? 1n : 0n, at);
      break;
    case 'DateTime': {
      const ms = item.value.getTime();
      if (!Number.isFinite(ms)) throw new TtlvEncodeError(`Date-Time ${tagName(item.tag)} is an invalid date`);
      buf.writeBigInt64BE(BigInt(Math.floor(ms / 1000)), at);
      break;
    }
    case 'BigInteger': {
      const twosComplement = BigInt.asUintN(length * 8, item.value);
      buf.write(twosComplement.toString(16).padStart(length * 2, '0'), at, 'hex');
      break;
    }
    case 'TextString':
      buf.write(item.value, at, 'utf8');
      break;
    case 'ByteString':
      buf.set(item.value, at);
      break;
  }
  const end = at + length;
  const padded = at + padTo8(length);
  buf.fill(0, end, padded);
  return padded;
}

/** Encodes one item (normally a Request or Response Message structure) to bytes. */
export function encodeTtlv(item: TtlvItem): Buffer {
  const lengths: number[] = [];
  const total = TTLV_HEADER_BYTES + padTo8(measure(item, lengths));
  const buf = Buffer.allocUnsafe(total);
  const end = writeItem(buf, 0, item, { lengths, next: 0 });
  if (end !== total) throw new TtlvEncodeError(`internal size mismatch: wrote ${end} of ${total} bytes`);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Decoder

const itemTypeByByte: ReadonlyMap<number, ItemTypeName> = new Map(
  (Object.entries(ItemType) as [ItemTypeName, number][]).map(([name, byte]) => [byte, name]),
);

const fixedLengths: Partial<Record<ItemTypeName, number>> = {
  Integer: 4,
  Enumeration: 4,
  Interval: 4,
  LongInteger: 8,
  Boolean: 8,
  DateTime: 8,
};

// Date can only hold ±8.64e15 ms; a Date-Time beyond that is not a date any peer means.
const MAX_DATE_SECONDS = 8_640_000_000_000n;

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface DecodeContext {
  view: DataView;
  bytes: Uint8Array;
  maxDepth: number;
  allowUnknownTags: boolean;
}

/** A byte as two upper-case hex digits, for error messages. */
export const hexByte = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

function decodeItem(ctx: DecodeContext, offset: number, limit: number, depth: number): [TtlvItem, number] {
  if (limit - offset < TTLV_HEADER_BYTES) {
    throw new TtlvDecodeError('truncated', `item header at offset ${offset} is cut short`, offset);
  }
  const { view, bytes } = ctx;
  const tag = (view.getUint8(offset) << 16) | view.getUint16(offset + 1);
  if (!ctx.allowUnknownTags && !isKnownTag(tag) && !isExtensionTag(tag)) {
    throw new TtlvDecodeError('unknown-tag', `unknown tag ${tagName(tag)} at offset ${offset}`, offset);
  }
  const typeByte = view.getUint8(offset + 3);
  const type = itemTypeByByte.get(typeByte);
  if (!type) {
    throw new TtlvDecodeError('unknown-type', `unknown item type 0x${hexByte(typeByte)} at offset ${offset + 3}`, offset + 3);
  }
  const length = view.getUint32(offset + 4);
  const valueStart = offset + TTLV_HEADER_BYTES;
  const paddedLength = padTo8(length);
  if (paddedLength > limit - valueStart) {
    throw new TtlvDecodeError(
      limit === bytes.byteLength ? 'truncated' : 'length-overrun',
      `${tagName(tag)} declares ${length} bytes at offset ${offset + 4}, only ${Math.max(0, limit - valueStart)} remain`,
      offset + 4,
    );
  }
  const fixed = fixedLengths[type];
  if (fixed !== undefined && length !== fixed) {
    throw new TtlvDecodeError('bad-length', `${type} ${tagName(tag)} must be ${fixed} bytes, declares ${length}`, offset + 4);
  }
  const valueEnd = valueStart + length;
  const next = valueStart + paddedLength;
  for (let i = valueEnd; i < next; i++) {
    if (bytes[i] !== 0) throw new TtlvDecodeError('bad-padding', `non-zero padding after ${tagName(tag)} at offset ${i}`, i);
  }

  switch (type) {
    case 'Structure': {
      if (depth >= ctx.maxDepth) {
        throw new TtlvDecodeError('too-deep', `structures nested deeper than ${ctx.maxDepth} at offset ${offset}`, offset);
      }
      const children: TtlvItem[] = [];
      let at = valueStart;
      while (at < valueEnd) {
        const [child, after] = decodeItem(ctx, at, valueEnd, depth + 1);
        children.push(child);
        at = after;
      }
      return [{ tag, type, value: children }, next];
    }
    case 'Integer':
      return [{ tag, type, value: view.getInt32(valueStart) }, next];
    case 'Enumeration':
    case 'Interval':
      return [{ tag, type, value: view.getUint32(valueStart) }, next];
    case 'LongInteger':
      return [{ tag, type, value: view.getBigInt64(valueStart) }, next];
    case 'Boolean': {
      const raw = view.getBigUint64(valueStart);
      if (raw > 1n) throw new TtlvDecodeError('invalid-value', `Boolean ${tagName(tag)} is neither 0 nor 1`, valueStart);
      return [{ tag, type, value: raw === 1n }, next];
    }
    case 'DateTime': {
      const seconds = view.getBigInt64(valueStart);
      if (seconds > MAX_DATE_SECONDS || seconds < -MAX_DATE_SECONDS) {
        throw new TtlvDecodeError('invalid-value', `Date-Time ${tagName(tag)} is out of range`, valueStart);
      }
      return [{ tag, type, value: new Date(Number(seconds) * 1000) }, next];
    }
    case 'BigInteger': {
      if (length === 0 || length % 8 !== 0) {
        throw new TtlvDecodeError('bad-length', `Big Integer ${tagName(tag)} length ${length} is not a positive multiple of 8`, offset + 4);
      }
      const unsigned = BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset + valueStart, length).toString('hex'));
      return [{ tag, type, value: BigInt.asIntN(length * 8, unsigned) }, next];
    }
    case 'TextString': {
      let value: string;
      // Short strings only: fromCharCode.apply spreads its argument onto the stack.
      let ascii = length <= 4096;
      for (let i = valueStart; ascii && i < valueEnd; i++) {
        if ((bytes[i] as number) > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        // Identifiers and attribute names are ASCII; this path skips the validating decoder.
        value = String.fromCharCode.apply(null, bytes.subarray(valueStart, valueEnd) as unknown as number[]);
      } else {
        try {
          value = utf8.decode(bytes.subarray(valueStart, valueEnd));
        } catch {
          throw new TtlvDecodeError('invalid-utf8', `Text String ${tagName(tag)} is not valid UTF-8`, valueStart);
        }
      }
      return [{ tag, type, value }, next];
    }
    case 'ByteString':
      // A copy (not a view, and a plain Uint8Array even when given a Buffer) so that a retained
      // value does not pin the whole received frame in memory.
      return [{ tag, type, value: new Uint8Array(bytes.subarray(valueStart, valueEnd)) }, next];
  }
}

/** Decodes exactly one top-level item that must span all of `bytes`. */
export function decodeTtlv(bytes: Uint8Array, options: TtlvDecodeOptions = {}): TtlvItem {
  const maxBytes = options.maxBytes ?? DEFAULT_DECODE_MAX_BYTES;
  if (bytes.byteLength > maxBytes) {
    throw new TtlvDecodeError('too-large', `message is ${bytes.byteLength} bytes, the maximum is ${maxBytes}`, 0);
  }
  const ctx: DecodeContext = {
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    bytes,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    allowUnknownTags: options.allowUnknownTags ?? false,
  };
  const [item, end] = decodeItem(ctx, 0, bytes.byteLength, 0);
  if (end !== bytes.byteLength) {
    throw new TtlvDecodeError('trailing-bytes', `${bytes.byteLength - end} bytes follow the top-level item`, end);
  }
  return item;
}

// ---------------------------------------------------------------------------------------------
// Readers for decoded structures: a missing or mistyped field is a TtlvDecodeError too, so a
// caller handling untrusted input has exactly one error class to catch.

export function children(item: TtlvItem): TtlvItem[] {
  if (item.type !== 'Structure') {
    throw new TtlvDecodeError('unexpected-item', `${tagName(item.tag)} should be a Structure, is ${item.type}`);
  }
  return item.value;
}

export function findChild<T extends ItemTypeName>(parent: TtlvItem, tag: number, type: T): TtlvItemOf<T> | undefined {
  const found = children(parent).find((c) => c.tag === tag);
  if (!found) return undefined;
  if (found.type !== type) {
    throw new TtlvDecodeError('unexpected-item', `${tagName(tag)} should be ${type}, is ${found.type}`);
  }
  return found as TtlvItemOf<T>;
}

export function requireChild<T extends ItemTypeName>(parent: TtlvItem, tag: number, type: T): TtlvItemOf<T> {
  const found = findChild(parent, tag, type);
  if (!found) {
    throw new TtlvDecodeError('unexpected-item', `${tagName(parent.tag)} is missing ${tagName(tag)}`);
  }
  return found;
}

export function findChildren<T extends ItemTypeName>(parent: TtlvItem, tag: number, type: T): TtlvItemOf<T>[] {
  const out: TtlvItemOf<T>[] = [];
  for (const c of children(parent)) {
    if (c.tag !== tag) continue;
    if (c.type !== type) throw new TtlvDecodeError('unexpected-item', `${tagName(tag)} should be ${type}, is ${c.type}`);
    out.push(c as TtlvItemOf<T>);
  }
  return out;
}
