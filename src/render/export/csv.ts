/** Answer keys as CSV: one row per variant, question and part. */
import type { ExamDoc, VariantDoc } from '../../exam/types.js';

export function csvCell(s: string | number): string {
  const t = String(s);
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

const line = (cells: string[]) => `${cells.map(csvCell).join(',')}\n`;

/** The header line of key.csv. */
export function keyCsvHeader(): string {
  return line(['variant', 'code', 'question', 'part', 'label', 'answer', 'points', 'tolerance_abs', 'tolerance_rel']);
}

/** The lines of key.csv for one variant (written as each variant is produced). */
export function keyCsvRows(v: VariantDoc): string {
  let out = '';
  for (const q of v.questions)
    for (const p of q.parts) out += line([String(v.number), v.code, String(q.number), p.id, p.label, p.text, String(Math.round(p.points * 10000) / 10000), String(p.tolerance?.abs ?? ''), String(p.tolerance?.rel ?? '')]);
  return out;
}

export function keyCsv(exam: ExamDoc): string {
  return keyCsvHeader() + exam.variants.map(keyCsvRows).join('');
}
