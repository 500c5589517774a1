/**
 * Typical mistakes as mutant solvers: a family writes its solver once, with switches for the
 * steps students get wrong; each mistake is that solver with one switch flipped, kept only where
 * it changes an answer.
 */
import { answersEqual, type Answer, type Solution } from '../core/answer.js';
import type { Mistake } from './types.js';

export interface Flaw<F extends string> {
  id: F;
  label: string;
  feedback: string;
}

export function mistakesFromMutants<F extends string>(
  right: Solution,
  flaws: readonly Flaw<F>[],
  solveWith: (flaw: F) => Solution | undefined,
): Mistake[] {
  const out: Mistake[] = [];
  for (const flaw of flaws) {
    const wrong = solveWith(flaw.id);
    if (!wrong) continue;
    const answers: Record<string, Answer> = {};
    for (const part of right.parts) {
      const w = wrong.parts.find((p) => p.id === part.id);
      if (w && !answersEqual(w.answer, part.answer)) answers[part.id] = w.answer;
    }
    if (Object.keys(answers).length > 0) out.push({ id: flaw.id, label: flaw.label, feedback: flaw.feedback, answers });
  }
  return out;
}
