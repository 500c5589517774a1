/** Running a family end to end: params → statement, exact solution, independent check, mistakes. */
import { z } from 'zod';
import { partToJson, answerToJson, type Solution } from '../core/answer.js';
import { UserError } from '../core/errors.js';
import { fmtReal } from '../core/exact.js';
import { Rng } from '../core/rng.js';
import type { Check, TF } from '../verify/tensor.js';
import type { AnyFamily, Difficulty, Mistake, Statement } from './types.js';

export interface Instance {
  family: string;
  params: unknown;
  statement: Statement;
  solution: Solution;
  check: Check;
  mistakes: Mistake[];
}

/** Validate user-given params; errors name the bad field ("padding: PyTorch layers take …"). */
export function parseParams(family: AnyFamily, raw: unknown): unknown {
  const r = family.params.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(params)'}: ${i.message}`);
  throw new UserError(`invalid params for ${family.id}:\n${lines.join('\n')}`, `run \`dlexam families --json\` for the parameter schema of ${family.id}`);
}

export function parseParamsJson(family: AnyFamily, text: string): unknown {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`--params is not valid JSON: ${(e as Error).message}`);
  }
  return parseParams(family, raw);
}

/** The seed stream for one sampled instance: independent of every other family and seed. */
export function instanceRng(familyId: string, seed: string | number): Rng {
  return new Rng(`dlexam/${familyId}`).fork(seed);
}

export function generateParams(family: AnyFamily, seed: string | number, difficulty: Difficulty): unknown {
  const p = family.generate(instanceRng(family.id, seed), { difficulty });
  // A generator must produce params its own schema accepts: that is part of the contract.
  const r = family.params.safeParse(p);
  if (!r.success) throw new Error(`${family.id}: generate() produced params its schema rejects: ${z.prettifyError(r.error)}`);
  return r.data;
}

export async function runInstance(family: AnyFamily, params: unknown, tf: TF): Promise<Instance> {
  const statement = family.statement(params);
  const solution = family.solve(params);
  const check = await family.verify(params, solution, tf);
  return { family: family.id, params, statement, solution, check, mistakes: family.mistakes(params) };
}

export function instanceToJson(inst: Instance): unknown {
  return {
    family: inst.family,
    params: inst.params,
    statement: {
      ...inst.statement,
      blocks: inst.statement.blocks?.map((b) =>
        b.kind === 'matrix' ? { ...b, value: b.value.map((r) => r.map(fmtReal)) } : b.kind === 'vector' ? { ...b, value: b.value.map(fmtReal) } : b,
      ),
    },
    answer: inst.solution.parts.map(partToJson),
    steps: inst.solution.steps,
    verification: inst.check,
    mistakes: inst.mistakes.map((m) => ({
      id: m.id,
      label: m.label,
      feedback: m.feedback,
      answers: Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, answerToJson(a)])),
    })),
  };
}
