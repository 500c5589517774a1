/**
 * spec + secret + variant number → one variant of the exam (all questions generated, solved
 * exactly and verified). Deterministic: the same inputs give the same document on any machine.
 */
import { answerToJson, choice, formatAnswer, partToJson, type Answer, type Solution } from '../core/answer.js';
import { GenerationError, UserError } from '../core/errors.js';
import { fmtReal } from '../core/exact.js';
import { Rng } from '../core/rng.js';
import { getFamily } from '../families/index.js';
import type { AnyFamily, Block, Mistake } from '../families/types.js';
import type { McBank } from '../bank/mc.js';
import type { BankQuestionSpec, ExamSpec, FamilyQuestionSpec } from '../bank/spec.js';
import type { TF } from '../verify/tensor.js';
import { variantSeed } from './codes.js';
import { EXAM_SCHEMA_VERSION, type BlockJson, type ExamDoc, type MistakeJson, type QuestionDoc, type VariantDoc } from './types.js';

export const GENERATOR = 'dlexam 0.1.0';
const LETTERS = 'ABCDEFGH';

export function tolerancePolicy(decimals: number): string {
  return (
    'Give exact answers as integers or fractions (e.g. −7/4); decimals equal to the exact value are accepted. ' +
    `Where a question asks for decimals, round to ${decimals} decimal places unless the question says otherwise; ` +
    'answers within half a unit of the last requested decimal place are accepted. ' +
    'Shapes are written as tuples, e.g. (30, 30, 32); matrices row by row.'
  );
}

export function blockToJson(b: Block): BlockJson {
  if (b.kind === 'matrix') return { kind: 'matrix', name: b.name, value: b.value.map((r) => r.map(fmtReal)) };
  if (b.kind === 'vector') return { kind: 'vector', name: b.name, value: b.value.map(fmtReal) };
  return b;
}

function mistakeToJson(m: Mistake): MistakeJson {
  return { id: m.id, label: m.label, feedback: m.feedback, answers: Object.fromEntries(Object.entries(m.answers).map(([k, a]) => [k, answerToJson(a)])) };
}

/** Stable keys for spec entries: an explicit id, else "<family>#<k>" (k-th use of that family). */
export function questionKeys(spec: ExamSpec): string[][] {
  const counts = new Map<string, number>();
  return spec.sections.map((s) =>
    s.questions.map((q) => {
      if (q.id) return q.id;
      const base = 'family' in q ? q.family : `bank:${q.bank}`;
      const k = (counts.get(base) ?? 0) + 1;
      counts.set(base, k);
      return `${base}#${k}`;
    }),
  );
}

function satisfies(params: Record<string, unknown>, q: FamilyQuestionSpec): boolean {
  for (const [key, want] of Object.entries(q.params ?? {})) if (JSON.stringify(params[key]) !== JSON.stringify(want)) return false;
  for (const [key, c] of Object.entries(q.constraints ?? {})) {
    const v = params[key];
    if (c.in && !c.in.some((x) => JSON.stringify(x) === JSON.stringify(v))) return false;
    if (c.min !== undefined && !(typeof v === 'number' && v >= c.min)) return false;
    if (c.max !== undefined && !(typeof v === 'number' && v <= c.max)) return false;
  }
  return true;
}

/** Generate params that honour the spec's pins and constraints (rejection sampling, bounded). */
export function generateFor(family: AnyFamily, q: FamilyQuestionSpec, rng: Rng, key: string): unknown {
  const pins = q.params ?? {};
  if (Object.keys(pins).length > 0) {
    const whole = family.params.safeParse(pins);
    if (whole.success && !q.constraints) return whole.data; // fully pinned: the same question on every variant
  }
  if (Object.keys(pins).length === 0 && !q.constraints) return family.params.parse(family.generate(rng, { difficulty: q.difficulty }));
  let lastError = 'no generated instance matched';
  for (let attempt = 0; attempt < 400; attempt++) {
    const generated = family.generate(rng.fork(`try${attempt}`), { difficulty: q.difficulty }) as Record<string, unknown>;
    // Prefer instances the generator itself made nice; else pin the fields over a generated instance.
    for (const candidate of [generated, { ...generated, ...pins }]) {
      const r = family.params.safeParse(candidate);
      if (!r.success) {
        lastError = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        continue;
      }
      if (satisfies(r.data as Record<string, unknown>, q)) return r.data;
    }
  }
  throw new UserError(`question "${key}" (${family.id}): cannot generate an instance with params ${JSON.stringify(pins)}${q.constraints ? ` and constraints ${JSON.stringify(q.constraints)}` : ''} — ${lastError}`);
}

function partPoints(q: { points: number | Record<string, number> }, solution: Solution, key: string): number[] {
  const n = solution.parts.length;
  if (typeof q.points === 'number') return solution.parts.map(() => q.points as number / n);
  const map = q.points;
  const unknown = Object.keys(map).filter((id) => !solution.parts.some((p) => p.id === id));
  if (unknown.length) throw new UserError(`question "${key}": points for unknown part(s) ${unknown.join(', ')}; its parts are ${solution.parts.map((p) => p.id).join(', ')}`);
  return solution.parts.map((p) => map[p.id] ?? 0);
}

/** One-part numeric question → multiple choice: the right answer plus answers typical mistakes give. */
function asChoice(solution: Solution, mistakes: Mistake[], rng: Rng): { options: string[]; correct: number; wrongByMistake: Map<string, number> } | undefined {
  if (solution.parts.length !== 1) return undefined;
  const part = solution.parts[0]!;
  const right = formatAnswer(part.answer);
  const wrong = new Map<string, string>(); // text → mistake id
  for (const m of mistakes) {
    const a: Answer | undefined = m.answers[part.id];
    if (!a) continue;
    const t = formatAnswer(a);
    if (t !== right && !wrong.has(t)) wrong.set(t, m.id);
  }
  const distractors = rng.sample([...wrong.keys()], Math.min(4, wrong.size));
  if (distractors.length < 2) return undefined;
  const options = rng.shuffle([right, ...distractors]);
  const wrongByMistake = new Map<string, number>();
  for (const [t, id] of wrong) if (options.includes(t)) wrongByMistake.set(id, options.indexOf(t));
  return { options, correct: options.indexOf(right), wrongByMistake };
}

/** `verify: false` (internal, benchmark baseline only) skips the tensor check; such questions carry no `verification`. */
async function familyQuestion(q: FamilyQuestionSpec, key: string, rng: Rng, tf: TF, verify = true): Promise<Omit<QuestionDoc, 'number' | 'section'>> {
  const family = getFamily(q.family);
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = attempt === 0 ? rng : rng.fork(`retry${attempt}`);
    const params = generateFor(family, q, r, key);
    const statement = family.statement(params);
    const solution = family.solve(params);
    const check = verify ? await family.verify(params, solution, tf) : undefined;
    if (check && !check.ok) {
      const bad = check.parts.filter((p) => !p.ok).map((p) => `${p.id}: solver ${JSON.stringify(p.expected)} vs tensor ${JSON.stringify(p.got)}`);
      throw new GenerationError(`verification disagreement in ${family.id} (question "${key}", params ${JSON.stringify(params)}): ${bad.join('; ')} — not printed; this is a bug in the family`);
    }
    const mistakes = family.mistakes(params);
    const base = {
      key,
      source: { kind: 'family' as const, family: family.id, difficulty: q.difficulty, params },
      title: family.title,
      topic: family.topic,
      text: statement.text,
      blocks: (statement.blocks ?? []).map(blockToJson),
      convention: statement.convention,
      steps: solution.steps,
      ...(check ? { verification: { ok: true, method: check.method } } : {}),
    };
    if (q.format === 'choice') {
      const c = asChoice(solution, mistakes, r.fork('choice'));
      if (!c) continue; // too few distinct wrong answers for a fair multiple-choice question: draw again
      const total = typeof q.points === 'number' ? q.points : Object.values(q.points).reduce((a, b) => a + b, 0);
      const letters = c.options.map((_, i) => LETTERS[i]!);
      return {
        ...base,
        format: 'choice',
        options: c.options,
        points: total,
        parts: [{ ...partToJson({ id: 'choice', label: 'Answer', answer: choice(letters[c.correct]!, letters) }), points: total }],
        mistakes: mistakes
          .filter((m) => c.wrongByMistake.has(m.id))
          .map((m) => ({ id: m.id, label: m.label, feedback: m.feedback, answers: { choice: answerToJson(choice(letters[c.wrongByMistake.get(m.id)!]!, letters)) } })),
      };
    }
    const pts = partPoints(q, solution, key);
    return {
      ...base,
      format: 'open',
      points: pts.reduce((a, b) => a + b, 0),
      parts: solution.parts.map((p, i) => ({ ...partToJson(p), points: pts[i]! })),
      mistakes: mistakes.map(mistakeToJson),
    };
  }
  throw new UserError(`question "${key}" (${family.id}): format 'choice' needs at least two distinct wrong answers from typical mistakes; this family rarely has them — use format: open`);
}

function bankQuestions(q: BankQuestionSpec, key: string, rng: Rng, banks: ReadonlyMap<string, McBank>, used: Set<string>): Omit<QuestionDoc, 'number' | 'section'>[] {
  const bank = banks.get(q.bank);
  if (!bank) throw new UserError(`question "${key}": unknown multiple-choice bank "${q.bank}"`);
  const pool = bank.questions.filter((x) => !used.has(`${bank.bank}/${x.id}`) && (!q.topics || q.topics.includes(x.topic)));
  if (pool.length < q.draw)
    throw new UserError(`question "${key}": bank "${q.bank}" has only ${pool.length} unused question(s)${q.topics ? ` on topics ${q.topics.join(', ')}` : ''}, cannot draw ${q.draw}`);
  return rng.sample(pool, q.draw).map((mc, i) => {
    used.add(`${bank.bank}/${mc.id}`);
    const order = rng.fork(`options/${mc.id}`).shuffle(mc.options.map((_, j) => j));
    const letters = order.map((_, j) => LETTERS[j]!);
    const correct = letters[order.indexOf(mc.answer)]!;
    return {
      key: `${key}.${i + 1}`,
      source: { kind: 'bank', bank: bank.bank, question: mc.id },
      title: bank.title,
      topic: mc.topic,
      text: mc.text,
      blocks: [],
      format: 'choice',
      options: order.map((j) => mc.options[j]!),
      points: q.points,
      parts: [{ ...partToJson({ id: 'choice', label: 'Answer', answer: choice(correct, letters) }), points: q.points }],
      steps: [`Correct: ${correct}. ${mc.explanation}`],
      explanation: mc.explanation,
      mistakes: [],
    };
  });
}

export async function assembleVariant(spec: ExamSpec, secret: string, variant: number, code: string, banks: ReadonlyMap<string, McBank>, tf: TF, verify = true): Promise<VariantDoc> {
  const root = new Rng(variantSeed(secret, spec.id, variant));
  const keys = questionKeys(spec);
  const used = new Set<string>();
  const questions: QuestionDoc[] = [];
  for (const [si, section] of spec.sections.entries()) {
    for (const [qi, q] of section.questions.entries()) {
      const key = keys[si]![qi]!;
      const rng = root.fork(key);
      const made = 'family' in q ? [await familyQuestion(q, key, rng, tf, verify)] : bankQuestions(q, key, rng, banks, used);
      for (const m of made) questions.push({ ...m, number: questions.length + 1, section: si } as QuestionDoc);
    }
  }
  return { number: variant, code, questions };
}

/** Total points of a spec (the same for every variant). */
export function specTotalPoints(spec: ExamSpec): number {
  let total = 0;
  for (const s of spec.sections)
    for (const q of s.questions) total += 'family' in q ? (typeof q.points === 'number' ? q.points : Object.values(q.points).reduce((a, b) => a + b, 0)) : q.points * q.draw;
  return total;
}

export function examHeader(spec: ExamSpec, file: string, sha256: string): Omit<ExamDoc, 'variants' | 'totalPoints'> {
  return {
    schemaVersion: EXAM_SCHEMA_VERSION,
    generator: GENERATOR,
    spec: { id: spec.id, file, sha256 },
    exam: {
      title: spec.title,
      course: spec.course,
      ...(spec.date ? { date: spec.date } : {}),
      ...(spec.duration ? { duration: spec.duration } : {}),
      ...(spec.instructions ? { instructions: spec.instructions.trim() } : {}),
      paper: spec.paper,
      mode: spec.mode,
      attempts: spec.attempts,
      counts: spec.counts,
      decimals: spec.decimals,
      tolerancePolicy: tolerancePolicy(spec.decimals),
    },
    sections: spec.sections.map((s) => ({ title: s.title })),
  };
}
