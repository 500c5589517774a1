/**
 * Realistic submissions for the grading benchmark: built from a generated exam.json, one unique
 * student id per request, answers typed the way students type them (exact values or the printed
 * decimals, answers that typical mistakes give, some blanks).
 */
import { answerFromJson, formatAnswer } from '../src/core/answer.js';
import type { ExamDoc, QuestionDoc } from '../src/exam/types.js';

type Answers = Record<string, string>;

/** Deterministic 0..1 from two integers (no Math.random: the same run sends the same bodies). */
function unit(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2d);
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}

/** What a student who gets it right types: the exact value, or the decimals the key prints. */
function rightText(text: string, r: number): string {
  const i = text.indexOf(' ≈ ');
  if (i < 0) return text;
  const exact = text.slice(0, i).trim();
  return exact && r < 0.5 ? exact : text.slice(i + 3).trim();
}

function wrongText(q: QuestionDoc, partId: string, r: number): string | undefined {
  const wrong = q.mistakes.filter((m) => m.answers[partId]);
  const m = wrong[Math.floor(r * wrong.length)];
  return m ? formatAnswer(answerFromJson(m.answers[partId]!)) : undefined;
}

/** Answer set `k` for a variant: ~70 % right, ~20 % a typical mistake's answer, ~10 % blank. */
export function answerSet(doc: ExamDoc, variantIndex: number, k: number): Answers {
  const v = doc.variants[variantIndex]!;
  const out: Answers = {};
  let n = 0;
  for (const q of v.questions)
    for (const p of q.parts) {
      const r = unit(variantIndex * 7919 + k, n++);
      const key = `${q.number}.${p.id}`;
      if (r < 0.1) continue;
      const wrong = r < 0.3 ? wrongText(q, p.id, unit(k, n)) : undefined;
      out[key] = wrong ?? rightText(p.text, unit(n, k));
    }
  return out;
}

/** Every part right (the preflight checks the service gives full marks for it). */
export function allRight(doc: ExamDoc, variantIndex: number): Answers {
  const out: Answers = {};
  for (const q of doc.variants[variantIndex]!.questions) for (const p of q.parts) out[`${q.number}.${p.id}`] = rightText(p.text, 0.9);
  return out;
}

/** A stream of request bodies: round-robin over variants and answer sets, a fresh student id each. */
export class SubmissionStream {
  private n = 0;
  private readonly pool: { code: string; answers: Answers }[] = [];
  constructor(
    private readonly doc: ExamDoc,
    private readonly tag: string,
    setsPerVariant = 8,
  ) {
    for (let k = 0; k < setsPerVariant; k++) doc.variants.forEach((v, i) => this.pool.push({ code: v.code, answers: answerSet(doc, i, k) }));
  }
  next(): string {
    const item = this.pool[this.n % this.pool.length]!;
    const student = `${this.tag}-${++this.n}`;
    return JSON.stringify({ exam: this.doc.spec.id, code: item.code, student, answers: item.answers });
  }
  get sent(): number {
    return this.n;
  }
}
