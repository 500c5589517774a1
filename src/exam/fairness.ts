/**
 * Fairness across variants: each question's answer spread and a difficulty indicator (how many
 * worked steps the solution needs), with warnings when two variants share every answer or one
 * variant is much harder than the rest.
 */
import type { ExamDoc } from './types.js';

export interface FairnessReport {
  variants: number;
  questions: { key: string; number: number; title: string; distinctAnswers: number; steps: { min: number; mean: number; max: number } }[];
  variantLoad: { code: string; load: number }[];
  warnings: string[];
}

export function fairness(exam: ExamDoc): FairnessReport {
  const warnings: string[] = [];
  const first = exam.variants[0];
  if (!first) return { variants: 0, questions: [], variantLoad: [], warnings: ['no variants'] };
  const answersOf = (vi: number) => exam.variants[vi]!.questions.map((q) => q.parts.map((p) => p.text).join(' | '));
  const questions = first.questions.map((q0, qi) => {
    const texts = new Set(exam.variants.map((v) => JSON.stringify(v.questions[qi]?.parts.map((p) => p.text))));
    const steps = exam.variants.map((v) => v.questions[qi]?.steps.length ?? 0);
    const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
    return { key: q0.key, number: q0.number, title: q0.title, distinctAnswers: texts.size, steps: { min: Math.min(...steps), mean: Math.round(mean * 10) / 10, max: Math.max(...steps) } };
  });
  // Load of a variant: Σ over questions of (steps / mean steps of that question), so 1.0 = average.
  const variantLoad = exam.variants.map((v) => ({
    code: v.code,
    load: Math.round((v.questions.reduce((a, q, qi) => a + q.steps.length / Math.max(1, questions[qi]!.steps.mean), 0) / Math.max(1, v.questions.length)) * 100) / 100,
  }));
  const seen = new Map<string, string>();
  exam.variants.forEach((v, vi) => {
    const sig = JSON.stringify(answersOf(vi));
    const other = seen.get(sig);
    if (other && first.questions.length > 0) warnings.push(`variants ${other} and ${v.code} have exactly the same answers`);
    else seen.set(sig, v.code);
  });
  for (const l of variantLoad) if (l.load > 1.3) warnings.push(`variant ${l.code} looks harder than average (work load ${l.load}× the mean)`);
  for (const q of questions)
    if (exam.variants.length >= 4 && q.distinctAnswers <= exam.variants.length / 4 && q.distinctAnswers < exam.variants.length)
      warnings.push(`question ${q.number} (${q.key}) has only ${q.distinctAnswers} distinct answer(s) across ${exam.variants.length} variants — students can share answers`);
  return { variants: exam.variants.length, questions, variantLoad, warnings };
}

export function fairnessText(r: FairnessReport): string {
  const lines = [`Fairness report — ${r.variants} variants`, '', 'question  distinct answers  steps (min / mean / max)  title'];
  for (const q of r.questions) lines.push(`Q${String(q.number).padEnd(8)} ${String(q.distinctAnswers).padEnd(17)} ${`${q.steps.min} / ${q.steps.mean} / ${q.steps.max}`.padEnd(25)} ${q.title}`);
  const loads = r.variantLoad.map((l) => l.load);
  if (loads.length) lines.push('', `variant work load (1.0 = average): min ${Math.min(...loads)}, max ${Math.max(...loads)}`);
  lines.push('', r.warnings.length ? `Warnings:\n${r.warnings.map((w) => `  - ${w}`).join('\n')}` : 'No warnings.');
  return `${lines.join('\n')}\n`;
}
