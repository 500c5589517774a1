/**
 * Regrade by replay: when an exam.json (a key or a family) changed, recompute every stored
 * submission from its stored answers, show what would change, and apply only when confirmed —
 * all changes of an exam in one transaction, with history.
 */
import type { ExamDoc } from '../exam/types.js';
import type { Storage, ScoreUpdate } from './storage/index.js';
import { gradeAnswers, storedOutcome } from './grading.js';

export interface RegradeChange {
  id: number;
  student: string;
  attempt: number;
  old: number | null;
  new: number;
  max: number;
}

export interface RegradePlan {
  exam: string;
  submissions: number;
  changes: RegradeChange[];
  updates: ScoreUpdate[];
}

export async function planRegrade(storage: Storage, exam: ExamDoc): Promise<RegradePlan> {
  const subs = await storage.listSubmissions(exam.spec.id);
  const changes: RegradeChange[] = [];
  const updates: ScoreUpdate[] = [];
  for (const s of subs) {
    const variant = exam.variants.find((v) => v.code === s.code);
    if (!variant) continue; // a code that no longer exists: left as it is, reported by the caller
    const answers = (s.answers && typeof s.answers === 'object' ? s.answers : {}) as Record<string, string>;
    const g = gradeAnswers(exam, variant, answers);
    const old = s.result?.total ?? null;
    if (old === null || Math.abs(old - g.total) > 1e-9 || s.result?.max !== g.max) {
      changes.push({ id: s.id, student: s.student, attempt: s.attempt, old, new: g.total, max: g.max });
      updates.push({ id: s.id, result: { total: g.total, max: g.max, detail: storedOutcome(g) } });
    }
  }
  return { exam: exam.spec.id, submissions: subs.length, changes, updates };
}

export function planText(p: RegradePlan): string {
  if (p.changes.length === 0) return `${p.exam}: ${p.submissions} submission(s), no score changes.\n`;
  const lines = [`${p.exam}: ${p.changes.length} of ${p.submissions} submission(s) change:`, '  student              attempt   old → new  (max)'];
  for (const c of p.changes) lines.push(`  ${c.student.padEnd(20)} ${String(c.attempt).padStart(7)}   ${String(c.old ?? '—').padStart(3)} → ${c.new}  (${c.max})`);
  return `${lines.join('\n')}\n`;
}
