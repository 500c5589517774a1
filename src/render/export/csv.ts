/** Answer keys as CSV: one row per variant, question and part. */
import type { ExamDoc } from '../../exam/types.js';

export function csvCell(s: string | number): string {
  const t = String(s);
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function keyCsv(exam: ExamDoc): string {
  const rows = [['variant', 'code', 'question', 'part', 'label', 'answer', 'points', 'tolerance_abs', 'tolerance_rel']];
  for (const v of exam.variants)
    for (const q of v.questions)
      for (const p of q.parts)
        rows.push([String(v.number), v.code, String(q.number), p.id, p.label, p.text, String(Math.round(p.points * 10000) / 10000), String(p.tolerance?.abs ?? ''), String(p.tolerance?.rel ?? '')]);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}
