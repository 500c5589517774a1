/**
 * Fairness across variants: each question's answer spread and a difficulty indicator (how many
 * worked steps the solution needs), with warnings when two variants share every answer or one
 * variant is much harder than the rest.
 *
 * `FairnessTally` takes the variants one at a time (in variant order) and keeps only what the report
 * needs — a 64-bit digest of each answer text and step counts — so `dlexam generate` never holds every
 * variant, nor every answer text, in memory.
 */
import { createHash } from 'node:crypto';
import type { ExamDoc, VariantDoc } from './types.js';

export interface FairnessReport {
  variants: number;
  questions: { key: string; number: number; title: string; distinctAnswers: number; steps: { min: number; mean: number; max: number } }[];
  variantLoad: { code: string; load: number }[];
  warnings: string[];
}

/** What the fairness report needs of one variant (small: answer digests and step counts). */
export interface FairnessEntry {
  code: string;
  questions: { key: string; number: number; title: string }[];
  /** Per question: a digest of the JSON of its parts' answer texts (equal answers, equal digests). */
  answers: string[];
  /** Per question: the number of worked steps. */
  steps: number[];
  /** A digest of all answers of the variant (two variants with the same signature share every answer). */
  signature: string;
}

/** 64 bits of SHA-256 as hex: two different texts share one with probability 2⁻⁶⁴ (the report counts distinct answers). */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function fairnessEntry(v: VariantDoc): FairnessEntry {
  return {
    code: v.code,
    questions: v.questions.map((q) => ({ key: q.key, number: q.number, title: q.title })),
    answers: v.questions.map((q) => digest(JSON.stringify(q.parts.map((p) => p.text)))),
    steps: v.questions.map((q) => q.steps.length),
    signature: digest(JSON.stringify(v.questions.map((q) => q.parts.map((p) => p.text).join(' | ')))),
  };
}

export class FairnessTally {
  private first: FairnessEntry['questions'] | undefined;
  /** Per question of the first variant: the distinct answer texts seen. */
  private texts: Set<string | undefined>[] = [];
  /** Per question of the first variant: its step count in every variant (0 where a variant lacks it). */
  private stepsByQuestion: number[][] = [];
  /** Per variant: its code and the step count of each of its questions. */
  private loads: { code: string; steps: number[] }[] = [];
  private seen = new Map<string, string>();
  private sameAnswers: string[] = [];

  /** Add the next variant (in variant order). */
  add(e: FairnessEntry): void {
    if (!this.first) {
      this.first = e.questions;
      this.texts = this.first.map(() => new Set());
      this.stepsByQuestion = this.first.map(() => []);
    }
    this.first.forEach((_, qi) => {
      this.texts[qi]!.add(e.answers[qi]);
      this.stepsByQuestion[qi]!.push(e.steps[qi] ?? 0);
    });
    this.loads.push({ code: e.code, steps: e.steps });
    const other = this.seen.get(e.signature);
    if (other && this.first.length > 0) this.sameAnswers.push(`variants ${other} and ${e.code} have exactly the same answers`);
    else this.seen.set(e.signature, e.code);
  }

  report(): FairnessReport {
    const first = this.first;
    if (!first) return { variants: 0, questions: [], variantLoad: [], warnings: ['no variants'] };
    const n = this.loads.length;
    const questions = first.map((q0, qi) => {
      const steps = this.stepsByQuestion[qi]!;
      const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
      return { key: q0.key, number: q0.number, title: q0.title, distinctAnswers: this.texts[qi]!.size, steps: { min: Math.min(...steps), mean: Math.round(mean * 10) / 10, max: Math.max(...steps) } };
    });
    // Load of a variant: Σ over questions of (steps / mean steps of that question), so 1.0 = average.
    const variantLoad = this.loads.map((v) => ({
      code: v.code,
      load: Math.round((v.steps.reduce((a, s, qi) => a + s / Math.max(1, questions[qi]!.steps.mean), 0) / Math.max(1, v.steps.length)) * 100) / 100,
    }));
    const warnings = [...this.sameAnswers];
    for (const l of variantLoad) if (l.load > 1.3) warnings.push(`variant ${l.code} looks harder than average (work load ${l.load}× the mean)`);
    for (const q of questions)
      if (n >= 4 && q.distinctAnswers <= n / 4 && q.distinctAnswers < n)
        warnings.push(`question ${q.number} (${q.key}) has only ${q.distinctAnswers} distinct answer(s) across ${n} variants — students can share answers`);
    return { variants: n, questions, variantLoad, warnings };
  }
}

export function fairness(exam: ExamDoc): FairnessReport {
  const tally = new FairnessTally();
  for (const v of exam.variants) tally.add(fairnessEntry(v));
  return tally.report();
}

export function fairnessText(r: FairnessReport): string {
  const lines = [`Fairness report — ${r.variants} variants`, '', 'question  distinct answers  steps (min / mean / max)  title'];
  for (const q of r.questions) lines.push(`Q${String(q.number).padEnd(8)} ${String(q.distinctAnswers).padEnd(17)} ${`${q.steps.min} / ${q.steps.mean} / ${q.steps.max}`.padEnd(25)} ${q.title}`);
  const loads = r.variantLoad.map((l) => l.load);
  if (loads.length) lines.push('', `variant work load (1.0 = average): min ${Math.min(...loads)}, max ${Math.max(...loads)}`);
  lines.push('', r.warnings.length ? `Warnings:\n${r.warnings.map((w) => `  - ${w}`).join('\n')}` : 'No warnings.');
  return `${lines.join('\n')}\n`;
}
