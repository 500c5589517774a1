/**
 * Variant seeds and printed codes, both derived from the instructor's secret with HMAC-SHA256.
 * The code on a paper identifies the variant (the server looks answers up by it) but reveals
 * neither the seed nor anything about the answers without the secret.
 */
import { createHmac } from 'node:crypto';

// Crockford base32: no I, L, O, U — nothing a student can misread or mistype.
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function hmac(secret: string, message: string): Buffer {
  return createHmac('sha256', secret).update(message).digest();
}

export function variantSeed(secret: string, examId: string, variant: number): string {
  return hmac(secret, `dlexam/seed/${examId}/${variant}`).toString('hex');
}

export function variantCode(secret: string, examId: string, variant: number, length = 6, salt = 0): string {
  const bytes = hmac(secret, `dlexam/code/${examId}/${variant}${salt ? `/${salt}` : ''}`);
  let bits = 0n;
  for (const b of bytes.subarray(0, 8)) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < length; i++) {
    out += CODE_ALPHABET[Number(bits & 31n)];
    bits >>= 5n;
  }
  return out;
}

/** Codes for variants 1..n, guaranteed distinct (a collision re-derives with a salt, deterministically). */
export function variantCodes(secret: string, examId: string, n: number): string[] {
  const seen = new Set<string>();
  const codes: string[] = [];
  for (let v = 1; v <= n; v++) {
    let salt = 0;
    let code = variantCode(secret, examId, v);
    while (seen.has(code)) code = variantCode(secret, examId, v, 6, ++salt);
    seen.add(code);
    codes.push(code);
  }
  return codes;
}

/** Normalise what a student types: case, spaces, and the look-alikes Crockford maps. */
export function normaliseCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}
