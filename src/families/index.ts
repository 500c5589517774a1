/** The family registry: the one list every driver reads. Adding a family = one file + one line here. */
import { UserError, didYouMean } from '../core/errors.js';
import { convOutputShape } from './conv-output-shape.js';
import type { AnyFamily } from './types.js';

export const families: readonly AnyFamily[] = [convOutputShape];

export function getFamily(id: string): AnyFamily {
  const f = families.find((x) => x.id === id);
  if (f) return f;
  const guess = didYouMean(id, families.map((x) => x.id));
  throw new UserError(`unknown family "${id}"${guess ? ` — did you mean "${guess}"?` : ''}`, 'run `dlexam families` to list them');
}
