import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tag } from './tags';
import {
  bigInteger,
  boolean,
  byteString,
  dateTime,
  decodeTtlv,
  encodeTtlv,
  enumeration,
  integer,
  interval,
  longInteger,
  structure,
  textString,
  TtlvDecodeError,
  type TtlvItem,
} from './ttlv';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
const T = 0x420020; // the tag the spec's encoding examples use (Compromise Date)

// KMIP 1.x specification, section 9.1.2 "Examples": each item with its exact bytes.
const specExamples: [string, TtlvItem, string][] = [
  ['Integer 8', integer(T, 8), '420020 | 02 | 00000004 | 00000008 00000000'],
  ['Long Integer 123456789000000000', longInteger(T, 123456789000000000n), '420020 | 03 | 00000008 | 01B69B4BA5749200'],
  [
    'Big Integer 1234567890000000000000000000',
    bigInteger(T, 1234567890000000000000000000n),
    '420020 | 04 | 00000010 | 0000000003FD35EB 6BC2DF4618080000',
  ],
  ['Enumeration 255', enumeration(T, 255), '420020 | 05 | 00000004 | 000000FF 00000000'],
  ['Boolean true', boolean(T, true), '420020 | 06 | 00000008 | 0000000000000001'],
  ['Text String "Hello World"', textString(T, 'Hello World'), '420020 | 07 | 0000000B | 48656C6C6F20576F 726C640000000000'],
  ['Byte String 01 02 03', byteString(T, Uint8Array.of(1, 2, 3)), '420020 | 08 | 00000003 | 0102030000000000'],
  [
    'Date-Time 2008-03-14T11:56:40Z',
    dateTime(T, new Date('2008-03-14T11:56:40Z')),
    '420020 | 09 | 00000008 | 0000000047DA67F8',
  ],
  ['Interval 10 days', interval(T, 864000), '420020 | 0A | 00000004 | 000D2F00 00000000'],
  [
    'Structure { Enumeration 254, Integer 255 }',
    structure(T, [enumeration(0x420004, 254), integer(0x420005, 255)]),
    '420020 | 01 | 00000020 | 420004 | 05 | 00000004 | 000000FE 00000000 | 420005 | 02 | 00000004 | 000000FF 00000000',
  ],
];

describe('TTLV encoding matches the specification examples byte for byte', () => {
  for (const [name, item, bytes] of specExamples) {
    it(`encodes ${name}`, () => {
      expect(encodeTtlv(item).toString('hex')).toBe(hex(bytes).toString('hex'));
    });
    it(`decodes ${name}`, () => {
      expect(decodeTtlv(hex(bytes))).toEqual(item);
    });
  }
});

describe('TTLV value edge cases', () => {
  it('encodes negative integers and longs in two’s complement', () => {
    expect(encodeTtlv(integer(T, -1)).subarray(8).toString('hex')).toBe('ffffffff00000000');
    expect(encodeTtlv(longInteger(T, -2n)).subarray(8).toString('hex')).toBe('fffffffffffffffe');
  });

  it('sign-extends negative big integers to a multiple of 8 bytes', () => {
    const bytes = encodeTtlv(bigInteger(T, -1n));
    expect(bytes.toString('hex')).toBe('42002004' + '00000008' + 'ffffffffffffffff');
    expect(decodeTtlv(bytes)).toEqual(bigInteger(T, -1n));
    const big = -(1n << 64n);
    const enc = encodeTtlv(bigInteger(T, big));
    expect(enc.readUInt32BE(4)).toBe(16);
    expect(decodeTtlv(enc)).toEqual(bigInteger(T, big));
  });

  it('encodes an empty text string and an empty structure with length 0 and no padding', () => {
    expect(encodeTtlv(textString(T, '')).toString('hex')).toBe('4200200700000000');
    expect(encodeTtlv(structure(T, [])).toString('hex')).toBe('4200200100000000');
  });

  it('counts UTF-8 bytes, not characters, for text strings', () => {
    const bytes = encodeTtlv(textString(T, 'clé🔑'));
    expect(bytes.readUInt32BE(4)).toBe(Buffer.byteLength('clé🔑'));
    expect(bytes.length % 8).toBe(0);
  });

  it('refuses values that do not fit their wire type', () => {
    expect(() => encodeTtlv(integer(T, 2 ** 31))).toThrow(/32-bit/);
    expect(() => encodeTtlv(enumeration(T, -1))).toThrow(/unsigned/);
    expect(() => encodeTtlv(longInteger(T, 1n << 63n))).toThrow(/64-bit/);
    expect(() => encodeTtlv(integer(0x1000000, 1))).toThrow(/3 bytes/);
  });
});

// ---------------------------------------------------------------------------------------------

function decodeErrorCode(bytes: Uint8Array, opts?: Parameters<typeof decodeTtlv>[1]): string {
  try {
    decodeTtlv(bytes, opts);
  } catch (err) {
    if (err instanceof TtlvDecodeError) return err.code;
    throw err;
  }
  return 'ok';
}

describe('TTLV decoder rejects malformed input with a typed error', () => {
  it('truncated header and truncated value', () => {
    expect(decodeErrorCode(hex('42002002000000'))).toBe('truncated');
    expect(decodeErrorCode(hex('420020020000000400000008'))).toBe('truncated');
  });

  it('a child length running past its structure', () => {
    // Structure of 16 bytes whose child claims 0x100 bytes, followed by more data in the buffer.
    const bytes = hex('420020 01 00000010 420004 08 00000100 0000000000000000 4200040800000000');
    expect(decodeErrorCode(bytes)).toBe('length-overrun');
  });

  it('a 4 GiB claimed length without allocating it', () => {
    const bytes = hex('420020 08 FFFFFFF8 00000000');
    expect(decodeErrorCode(bytes)).toBe('truncated');
  });

  it('a message larger than the maximum', () => {
    expect(decodeErrorCode(encodeTtlv(byteString(T, new Uint8Array(64))), { maxBytes: 32 })).toBe('too-large');
  });

  it('fixed-size types with a wrong length', () => {
    expect(decodeErrorCode(hex('420020 02 00000008 0000000800000000'))).toBe('bad-length');
    expect(decodeErrorCode(hex('420020 06 00000004 0000000100000000'))).toBe('bad-length');
    expect(decodeErrorCode(hex('420020 04 00000004 0000000100000000'))).toBe('bad-length');
  });

  it('non-zero padding', () => {
    expect(decodeErrorCode(hex('420020 02 00000004 00000008 00000001'))).toBe('bad-padding');
    expect(decodeErrorCode(hex('420020 07 00000001 41FF000000000000'))).toBe('bad-padding');
  });

  it('a Boolean that is neither 0 nor 1', () => {
    expect(decodeErrorCode(hex('420020 06 00000008 0000000000000002'))).toBe('invalid-value');
  });

  it('a Date-Time outside what a Date can hold', () => {
    expect(decodeErrorCode(hex('420020 09 00000008 7FFFFFFFFFFFFFFF'))).toBe('invalid-value');
  });

  it('invalid UTF-8 in a Text String', () => {
    expect(decodeErrorCode(hex('420020 07 00000002 C328000000000000'))).toBe('invalid-utf8');
  });

  it('unknown item types and tags', () => {
    expect(decodeErrorCode(hex('420020 0B 00000004 0000000000000000'))).toBe('unknown-type');
    expect(decodeErrorCode(hex('420020 00 00000000'))).toBe('unknown-type');
    expect(decodeErrorCode(hex('130000 02 00000004 0000000100000000'))).toBe('unknown-tag');
    expect(decodeErrorCode(hex('42FFFF 02 00000004 0000000100000000'))).toBe('unknown-tag');
    // Vendor extension tags are legitimate.
    expect(decodeErrorCode(hex('540001 02 00000004 0000000100000000'))).toBe('ok');
    expect(decodeErrorCode(hex('130000 02 00000004 0000000100000000'), { allowUnknownTags: true })).toBe('ok');
  });

  it('nesting deeper than the limit', () => {
    let item: TtlvItem = integer(T, 1);
    for (let i = 0; i < 40; i++) item = structure(T, [item]);
    const bytes = encodeTtlv(item);
    expect(decodeErrorCode(bytes)).toBe('too-deep');
    expect(decodeErrorCode(bytes, { maxDepth: 64 })).toBe('ok');
  });

  it('thousands of nested structures still fail fast, not with a stack overflow', () => {
    // Hand-built: 10,000 nested structure headers each claiming the rest of the buffer.
    const depth = 10_000;
    const bytes = Buffer.alloc(depth * 8);
    for (let i = 0; i < depth; i++) {
      bytes.writeUIntBE(T, i * 8, 3);
      bytes.writeUInt8(1, i * 8 + 3);
      bytes.writeUInt32BE((depth - i - 1) * 8, i * 8 + 4);
    }
    expect(decodeErrorCode(bytes)).toBe('too-deep');
  });

  it('trailing bytes after the top-level item', () => {
    expect(decodeErrorCode(hex('420020 02 00000004 0000000800000000 00000000'))).toBe('trailing-bytes');
  });
});

// ---------------------------------------------------------------------------------------------

const knownTags = [Tag.ActivationDate, Tag.UniqueIdentifier, Tag.AttributeName, Tag.BatchItem, 0x540001];

const leafArb: fc.Arbitrary<TtlvItem> = fc.oneof(
  fc.record({ tag: fc.constantFrom(...knownTags), type: fc.constant('Integer' as const), value: fc.integer() }),
  fc.record({
    tag: fc.constantFrom(...knownTags),
    type: fc.constant('LongInteger' as const),
    value: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  }),
  fc.record({
    tag: fc.constantFrom(...knownTags),
    type: fc.constant('BigInteger' as const),
    value: fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
  }),
  fc.record({
    tag: fc.constantFrom(...knownTags),
    type: fc.constant('Enumeration' as const),
    value: fc.integer({ min: 0, max: 0xffffffff }),
  }),
  fc.record({ tag: fc.constantFrom(...knownTags), type: fc.constant('Boolean' as const), value: fc.boolean() }),
  fc.record({ tag: fc.constantFrom(...knownTags), type: fc.constant('TextString' as const), value: fc.string({ unit: 'grapheme' }) }),
  fc.record({ tag: fc.constantFrom(...knownTags), type: fc.constant('ByteString' as const), value: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({
    tag: fc.constantFrom(...knownTags),
    type: fc.constant('DateTime' as const),
    value: fc.integer({ min: -2_000_000_000, max: 4_000_000_000 }).map((s) => new Date(s * 1000)),
  }),
  fc.record({
    tag: fc.constantFrom(...knownTags),
    type: fc.constant('Interval' as const),
    value: fc.integer({ min: 0, max: 0xffffffff }),
  }),
);

const itemArb: fc.Arbitrary<TtlvItem> = fc.letrec<{ item: TtlvItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({
      tag: fc.constantFrom(...knownTags),
      type: fc.constant('Structure' as const),
      value: fc.array(tie('item'), { maxLength: 5 }),
    }),
  ),
})).item;

function decodeNeverThrowsUntyped(bytes: Uint8Array): void {
  try {
    decodeTtlv(bytes, { maxBytes: 1 << 16 });
  } catch (err) {
    if (!(err instanceof TtlvDecodeError)) throw err;
  }
}

describe('TTLV properties', () => {
  it('decode(encode(x)) = x and every encoding is 8-byte aligned', () => {
    fc.assert(
      fc.property(itemArb, (item) => {
        const bytes = encodeTtlv(item);
        expect(bytes.length % 8).toBe(0);
        expect(decodeTtlv(bytes)).toEqual(item);
      }),
      { numRuns: 400 },
    );
  });

  it('every truncation of a valid encoding fails with TtlvDecodeError', () => {
    fc.assert(
      fc.property(itemArb, fc.nat(), (item, cut) => {
        const bytes = encodeTtlv(item);
        const at = cut % bytes.length;
        expect(() => decodeTtlv(bytes.subarray(0, at))).toThrow(TtlvDecodeError);
      }),
      { numRuns: 300 },
    );
  });

  it('random byte flips only ever produce a value or a TtlvDecodeError', () => {
    fc.assert(
      fc.property(itemArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (item, flips) => {
        const bytes = Buffer.from(encodeTtlv(item));
        for (const [pos, val] of flips) bytes[pos % bytes.length] = val;
        decodeNeverThrowsUntyped(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes only ever produce a value or a TtlvDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => decodeNeverThrowsUntyped(bytes)), { numRuns: 2000 });
  });

  it('headers with arbitrary tag, type and length bytes never escape as other errors', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffff }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 64 }),
        (tag, type, length, body) => {
          const header = Buffer.alloc(8);
          header.writeUIntBE(tag, 0, 3);
          header.writeUInt8(type, 3);
          header.writeUInt32BE(length, 4);
          decodeNeverThrowsUntyped(Buffer.concat([header, body]));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
