/** Parameter schemas shared by families. */
import { z } from 'zod';
import { q, type Fraction } from '../core/exact.js';

/** An exact rational written as text: "3/4", "-2", "0.9" (read exactly with q(), never as a float). */
export const RATIONAL_TEXT = /^-?\d{1,6}(?:\/\d{1,6}|\.\d{1,6})?$/;

export const isRationalText = (s: string): boolean => RATIONAL_TEXT.test(s) && !/\/0+$/.test(s);

export const rationalText = z
  .string()
  .trim()
  .regex(RATIONAL_TEXT, 'must be an exact rational such as "3/4", "-2" or "0.9"')
  .refine((s) => !/\/0+$/.test(s), 'the denominator must not be zero');

const SMALL_RATIONAL = /^-?\d{1,4}(?:\/\d{1,4})?$/;

/** A given number: a JSON number with at most 4 decimals (read exactly: 0.1 = 1/10) or an exact fraction string "1/3". */
export const entry = z.union([
  z.number().refine((x) => Math.abs(x) <= 100 && Math.abs(x * 1e4 - Math.round(x * 1e4)) < 1e-6, {
    message: 'must be a number in [−100, 100] with at most 4 decimals (or a fraction string such as "1/3")',
  }),
  z
    .string()
    .trim()
    .regex(SMALL_RATIONAL, 'must be an exact rational such as "1/3" or "-2"')
    .refine((s) => !/\/0+$/.test(s), 'the denominator must not be zero'),
]);
export type Entry = z.output<typeof entry>;

/** The exact value of a given number (0.1 → 1/10, never the binary float). */
export function toQ(e: Entry): Fraction {
  if (typeof e === 'string') return q(e);
  return Number.isInteger(e) ? q(e) : q(Math.round(e * 1e4), 1e4);
}
