/** Parameter schemas shared by families. */
import { z } from 'zod';

/** An exact rational written as text: "3/4", "-2", "0.9" (read exactly with q(), never as a float). */
export const RATIONAL_TEXT = /^-?\d{1,6}(?:\/\d{1,6}|\.\d{1,6})?$/;

export const isRationalText = (s: string): boolean => RATIONAL_TEXT.test(s) && !/\/0+$/.test(s);

export const rationalText = z
  .string()
  .trim()
  .regex(RATIONAL_TEXT, 'must be an exact rational such as "3/4", "-2" or "0.9"')
  .refine((s) => !/\/0+$/.test(s), 'the denominator must not be zero');
