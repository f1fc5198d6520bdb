import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 over "<unix seconds>.<body>", sent as `X-Keywatch-Signature: t=<seconds>,v1=<hex>`.
 * The timestamp inside the signed text lets receivers refuse replays of an old delivery.
 */
export const SIGNATURE_HEADER = 'x-keywatch-signature';

export function signPayload(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** What a receiver does (and what the tests check): recompute and compare in constant time. */
export function verifySignature(secret: string, body: string, header: string, now: Date, toleranceSeconds = 300): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header.trim());
  if (!match) return false;
  const t = Number(match[1]);
  if (Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(match[2]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
