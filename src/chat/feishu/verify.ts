// The checks on a webhook request the SDK's dispatcher does not make (or
// makes on a re-serialized body): the signature over the raw body, the
// verification token, the age of the request.
import { createHash, timingSafeEqual } from 'node:crypto';

/** How far X-Lark-Request-Timestamp may be from our clock. */
export const MAX_SKEW_SECONDS = 5 * 60;

/** X-Lark-Signature: hex sha256(timestamp + nonce + encryptKey + raw body). */
export function signature(timestamp: string, nonce: string, encryptKey: string, body: Buffer | string): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey).update(body).digest('hex');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function signatureOk(headers: { timestamp?: string; nonce?: string; signature?: string }, encryptKey: string, body: Buffer): boolean {
  const { timestamp, nonce, signature: given } = headers;
  if (!timestamp || !nonce || !given) return false;
  return sameSecret(signature(timestamp, nonce, encryptKey, body), given.toLowerCase());
}

/** A request timestamp (Unix seconds) within ±5 minutes of now. */
export function fresh(timestamp: string | undefined, nowMs = Date.now()): boolean {
  if (!timestamp || !/^\d+$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= MAX_SKEW_SECONDS;
}
