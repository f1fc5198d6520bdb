/**
 * KMIP message framing: one reader that turns a byte stream (a socket's chunks, cut wherever the
 * network cut them) into whole TTLV messages. Keywatch's transport, the lab KMS node and the
 * scripted test server all frame through it.
 *
 * A KMIP message is one TTLV Structure, so its 8-byte header says how long it is: 3-byte tag
 * (every message tag is 0x42xxxx), type 0x01, 4-byte value length. The header is checked as its
 * bytes arrive — the first byte alone tells a KMIP message from an HTTP answer or a TLS alert —
 * and a declared length above the maximum is refused before anything is buffered for it, so a
 * hostile peer cannot make the reader hold more than the maximum.
 */
import { DEFAULT_DECODE_MAX_BYTES, hexByte, ItemType, TTLV_HEADER_BYTES, TtlvDecodeError } from './ttlv';

/** First byte of every KMIP message tag (Request Message 0x420078, Response Message 0x42007B). */
export const KMIP_TAG_FIRST_BYTE = 0x42;

/** Throws unless `byte` can be the first byte of a KMIP message. */
export function checkMessageStart(byte: number): void {
  if (byte !== KMIP_TAG_FIRST_BYTE) {
    throw new TtlvDecodeError('unexpected-item', `not a KMIP message: it starts with byte 0x${hexByte(byte)}, a KMIP message tag with 0x42`, 0);
  }
}

/**
 * Total size of the message whose 8-byte header starts `header` (header + value). Throws
 * TtlvDecodeError when the header cannot start a KMIP message or declares more than `maxBytes`.
 */
export function readTtlvFrameLength(header: Uint8Array, maxBytes = DEFAULT_DECODE_MAX_BYTES): number {
  if (header.byteLength < TTLV_HEADER_BYTES) {
    throw new TtlvDecodeError('truncated', `need ${TTLV_HEADER_BYTES} header bytes, have ${header.byteLength}`, 0);
  }
  checkMessageStart(header[0]!);
  const view = new DataView(header.buffer, header.byteOffset, TTLV_HEADER_BYTES);
  const type = view.getUint8(3);
  if (type !== ItemType.Structure) {
    throw new TtlvDecodeError('unexpected-item', `a KMIP message starts with a Structure, got type 0x${hexByte(type)}`, 3);
  }
  const length = view.getUint32(4);
  if (length % 8 !== 0) {
    throw new TtlvDecodeError('bad-length', `message structure length ${length} is not a multiple of 8`, 4);
  }
  const total = TTLV_HEADER_BYTES + length;
  if (total > maxBytes) {
    throw new TtlvDecodeError('too-large', `message declares ${total} bytes, the maximum is ${maxBytes}`, 4);
  }
  return total;
}

/**
 * What the bytes received so far say about the frame they start: its total size once the header
 * is complete, undefined while it is not. Throws as soon as they cannot start a KMIP message.
 */
export function frameLengthSoFar(received: Uint8Array, maxBytes: number): number | undefined {
  if (received.byteLength === 0) return undefined;
  if (received.byteLength < TTLV_HEADER_BYTES) {
    checkMessageStart(received[0]!);
    return undefined;
  }
  return readTtlvFrameLength(received, maxBytes);
}

/**
 * Reassembles frames from chunks. After a bad header the stream cannot be re-synchronised (there
 * is no frame marker to search for), so the reader stays failed: every later push throws the
 * same error.
 */
export class TtlvFrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being received, once its header is in. */
  private frameLength: number | undefined;
  private failure: TtlvDecodeError | undefined;

  constructor(readonly maxMessageBytes: number = DEFAULT_DECODE_MAX_BYTES) {}

  /** Bytes received that are not part of a frame handed out yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Appends `chunk` and calls `onFrame` for every frame it completes, in order. Frames completed
   * before a bad header are delivered first; then the TtlvDecodeError is thrown.
   */
  push(chunk: Uint8Array, onFrame: (frame: Buffer) => void): void {
    if (this.failure) throw this.failure;
    if (chunk.byteLength === 0) return;
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.buffered += chunk.byteLength;
    for (;;) {
      if (this.frameLength === undefined) {
        try {
          this.frameLength = frameLengthSoFar(this.head(), this.maxMessageBytes);
        } catch (error) {
          this.failure = error as TtlvDecodeError;
          this.chunks = [];
          this.buffered = 0;
          throw error;
        }
        if (this.frameLength === undefined) return;
      }
      if (this.buffered < this.frameLength) return;
      onFrame(this.take(this.frameLength));
    }
  }

  /** Up to the first 8 bytes received (joined only when a header is split across chunks). */
  private head(): Buffer {
    const first = this.chunks[0];
    if (!first) return Buffer.alloc(0);
    if (first.byteLength >= TTLV_HEADER_BYTES || this.chunks.length === 1) return first;
    return Buffer.concat(this.chunks, Math.min(this.buffered, TTLV_HEADER_BYTES));
  }

  /** Removes and returns the first `length` bytes; chunks are joined once per frame, not per chunk. */
  private take(length: number): Buffer {
    const received = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = this.buffered > length ? [received.subarray(length)] : [];
    this.buffered -= length;
    this.frameLength = undefined;
    return received.subarray(0, length);
  }
}
