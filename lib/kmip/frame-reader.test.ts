import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkMessageStart, frameLengthSoFar, readTtlvFrameLength, TtlvFrameReader } from './frame-reader';
import { encodeRequestMessage } from './messages';
import { Operation } from './enums';
import { encodeTtlv, integer, structure, TtlvDecodeError } from './ttlv';
import { Tag } from './tags';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');

/** A Request Message of `n` Batch Count integers: 8 + 16·n bytes. */
const message = (n: number): Buffer => encodeTtlv(structure(Tag.RequestMessage, Array.from({ length: n }, (_, i) => integer(Tag.BatchCount, i))));

/** Pushes each chunk in turn and returns every frame delivered, as hex. */
function frameAll(reader: TtlvFrameReader, chunks: Uint8Array[]): string[] {
  const out: string[] = [];
  for (const chunk of chunks) reader.push(chunk, (frame) => out.push(frame.toString('hex')));
  return out;
}

function decodeErrorOf(fn: () => unknown): TtlvDecodeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TtlvDecodeError);
    return error as TtlvDecodeError;
  }
  throw new Error('expected a TtlvDecodeError');
}

describe('readTtlvFrameLength: the 8-byte header of one message', () => {
  it('frame length reads only the header and demands a structure', () => {
    expect(readTtlvFrameLength(hex('420078 01 00000010'))).toBe(24);
    expect(() => readTtlvFrameLength(hex('420078 02 00000004'))).toThrow(/Structure/);
    expect(() => readTtlvFrameLength(hex('420078 01 00000011'))).toThrow(TtlvDecodeError);
    expect(() => readTtlvFrameLength(hex('4200'))).toThrow(TtlvDecodeError);
  });

  it('a 4 GiB claimed length is refused from the header, without allocating it', () => {
    expect(decodeErrorOf(() => readTtlvFrameLength(hex('420078 01 FFFFFFF8'), 1 << 20)).code).toBe('too-large');
  });

  it('the maximum is inclusive: a frame of exactly maxBytes passes, one more block does not', () => {
    expect(readTtlvFrameLength(hex('420078 01 00000018'), 32)).toBe(32);
    expect(decodeErrorOf(() => readTtlvFrameLength(hex('420078 01 00000020'), 32)).code).toBe('too-large');
  });

  it('reads only the first 8 bytes of a longer buffer', () => {
    expect(readTtlvFrameLength(Buffer.concat([hex('42007B 01 00000008'), hex('FFFFFFFFFFFFFFFF')]))).toBe(16);
  });

  it('refuses a first byte that no KMIP message tag has, even a vendor-extension tag', () => {
    expect(decodeErrorOf(() => readTtlvFrameLength(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).message).toMatch(/starts with byte 0x48/);
    expect(decodeErrorOf(() => readTtlvFrameLength(hex('540001 01 00000000'))).code).toBe('unexpected-item');
  });
});

describe('frameLengthSoFar and checkMessageStart: what a partial header already says', () => {
  it('needs more bytes until the header is complete, whatever the split', () => {
    const header = hex('420078 01 00000010');
    for (let n = 0; n < 8; n++) expect(frameLengthSoFar(header.subarray(0, n), 1024)).toBeUndefined();
    expect(frameLengthSoFar(header, 1024)).toBe(24);
  });

  it('rejects a non-KMIP first byte as soon as that one byte is in', () => {
    expect(() => frameLengthSoFar(Buffer.from('G'), 1024)).toThrow(/not a KMIP message/);
    // A TLS alert record (0x15) is what a peer that speaks TLS but not KMIP might send.
    expect(() => checkMessageStart(0x15)).toThrow(TtlvDecodeError);
    expect(() => checkMessageStart(0x42)).not.toThrow();
  });
});

describe('TtlvFrameReader: a byte stream in, whole messages out', () => {
  it('delivers a frame that arrives in one chunk, and nothing is left over', () => {
    const reader = new TtlvFrameReader(1024);
    expect(frameAll(reader, [message(2)])).toEqual([message(2).toString('hex')]);
    expect(reader.pendingBytes).toBe(0);
  });

  it('waits through a header split in every possible place', () => {
    const m = message(3);
    for (let cut = 1; cut < 8; cut++) {
      const reader = new TtlvFrameReader(1024);
      const out: string[] = [];
      reader.push(m.subarray(0, cut), (f) => out.push(f.toString('hex')));
      expect(out).toEqual([]);
      expect(reader.pendingBytes).toBe(cut);
      reader.push(m.subarray(cut), (f) => out.push(f.toString('hex')));
      expect(out).toEqual([m.toString('hex')]);
    }
  });

  it('reassembles a frame delivered one byte at a time', () => {
    const m = message(5);
    const reader = new TtlvFrameReader(1024);
    const out = frameAll(
      reader,
      [...m].map((b) => Uint8Array.of(b)),
    );
    expect(out).toEqual([m.toString('hex')]);
    expect(reader.pendingBytes).toBe(0);
  });

  it('splits several frames that arrive in one chunk, in order', () => {
    const a = message(1);
    const b = message(4);
    const c = encodeRequestMessage({ header: { protocolVersion: { major: 1, minor: 4 } }, batchItems: [{ operation: Operation.DiscoverVersions, payload: [] }] });
    const reader = new TtlvFrameReader(1024);
    expect(frameAll(reader, [Buffer.concat([a, b, c])])).toEqual([a, b, c].map((m) => m.toString('hex')));
    expect(reader.pendingBytes).toBe(0);
  });

  it('keeps the start of the next frame when a chunk ends inside it', () => {
    const a = message(1);
    const b = message(2);
    const reader = new TtlvFrameReader(1024);
    const out = frameAll(reader, [Buffer.concat([a, b.subarray(0, 5)])]);
    expect(out).toEqual([a.toString('hex')]);
    expect(reader.pendingBytes).toBe(5);
    expect(frameAll(reader, [b.subarray(5)])).toEqual([b.toString('hex')]);
  });

  it('ignores empty chunks', () => {
    const reader = new TtlvFrameReader(1024);
    expect(frameAll(reader, [new Uint8Array(0), message(1).subarray(0, 3), new Uint8Array(0), message(1).subarray(3)])).toHaveLength(1);
  });

  it('refuses an oversized declared length from the header, before the body arrives', () => {
    const reader = new TtlvFrameReader(64);
    expect(frameAll(reader, [message(3)])).toHaveLength(1); // 56 bytes: under the limit
    const error = decodeErrorOf(() => reader.push(hex('420078 01 10000000'), () => undefined));
    expect(error.code).toBe('too-large');
    expect(error.message).toMatch(/maximum is 64/);
  });

  it('rejects a non-KMIP first byte with the first byte, not after eight', () => {
    const reader = new TtlvFrameReader(1024);
    expect(decodeErrorOf(() => reader.push(Buffer.from('H'), () => undefined)).code).toBe('unexpected-item');
  });

  it('delivers the good frames before a bad header in the same chunk, then stays failed', () => {
    const reader = new TtlvFrameReader(1024);
    const out: string[] = [];
    const error = decodeErrorOf(() => reader.push(Buffer.concat([message(1), Buffer.from('GET / HTTP/1.1\r\n')]), (f) => out.push(f.toString('hex'))));
    expect(out).toEqual([message(1).toString('hex')]);
    expect(reader.pendingBytes).toBe(0);
    // The stream has no frame marker to re-synchronise on: a valid message later is refused too.
    expect(decodeErrorOf(() => reader.push(message(1), () => undefined))).toBe(error);
  });

  it('rejects a header whose length is not a multiple of 8, and a first item that is not a Structure', () => {
    expect(decodeErrorOf(() => new TtlvFrameReader(1024).push(hex('420078 01 00000011'), () => undefined)).code).toBe('bad-length');
    expect(decodeErrorOf(() => new TtlvFrameReader(1024).push(hex('420078 02 00000004 00000001 00000000'), () => undefined)).code).toBe('unexpected-item');
  });

  it('any cut of any sequence of messages yields the same messages', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }), (sizes, cuts) => {
        const messages = sizes.map(message);
        const stream = Buffer.concat(messages);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const cut of cuts) {
          if (at >= stream.length) break;
          chunks.push(stream.subarray(at, at + cut));
          at += cut;
        }
        chunks.push(stream.subarray(at));
        const reader = new TtlvFrameReader(1024);
        expect(frameAll(reader, chunks)).toEqual(messages.map((m) => m.toString('hex')));
        expect(reader.pendingBytes).toBe(0);
      }),
    );
  });
});
