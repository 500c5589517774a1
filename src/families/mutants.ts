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

/**
 * `solve` and `mistakes` of a family from its one solver with flaw switches: `solveWith(p)` is the
 * right method, `solveWith(p, flaw)` the method with one step changed (undefined = not applicable).
 */
export function mutantSolver<P, F extends string>(
  solveWith: (p: P, flaw?: F) => Solution | undefined,
  flaws: readonly Flaw<F>[],
): { solve: (p: P) => Solution; mistakes: (p: P) => Mistake[] } {
  // A question is solved, then its mistakes are listed, for the same params object: the mutants are
  // compared with that solution instead of solving it a second time. Solutions are never mutated.
  let last: { p: P; s: Solution } | undefined;
  const solve = (p: P): Solution => {
    const s = solveWith(p);
    if (!s) throw new Error('the solver gave no solution for valid params');
    last = { p, s };
    return s;
  };
  const right = (p: P): Solution => (last !== undefined && last.p === p ? last.s : solve(p));
  return { solve, mistakes: (p) => mistakesFromMutants(right(p), flaws, (f) => solveWith(p, f)) };
}
