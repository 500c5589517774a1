/**
 * The grading service's per-submission work taken apart, in its own process:
 *   node --import tsx bench/grading-parts-child.ts --exams DIR --db FILE --n 2000
 * - grade: gradeAnswers() on the same request bodies the load test sends (no HTTP, no storage);
 * - store: storage.addSubmission() into SQLite as the service opens it (WAL, fsync per commit, commits
 *   on the writer thread): in waves of 50 concurrent submissions as under load (group commit), one at
 *   a time (the latency of a commit), and the part the event loop itself spends (the calls'
 *   synchronous work: checks and JSON bytes);
 * - parse: JSON.parse + the response JSON.stringify.
 * Reports mean ms per submission for each.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExamDoc } from '../src/exam/types.js';
import { examGrader, gradeAnswers, storedOutcome } from '../src/server/grading.js';
import { openStorage } from '../src/server/storage/index.js';
import { SubmissionStream } from './grading-load.js';
import { args, report } from './shared.js';

export interface GradingParts {
  n: number;
  gradeMs: number;
  /** Wall time per submission, submitted in waves of WAVE (group commit). */
  storeMs: number;
  /** Wall time per submission, one at a time (each its own commit). */
  storeSeqMs?: number;
  /** This thread's synchronous share of addSubmission (checks, JSON bytes, queueing). */
  storeSyncMs?: number;
  jsonMs: number;
}

/** Concurrent submissions per wave: the load test's connections. */
const WAVE = 50;

const a = args();
const n = Number(a['n'] ?? 2000);
const doc = JSON.parse(readFileSync(join(a['exams']!, 'bench-spec', 'exam.json'), 'utf8')) as ExamDoc;
const byCode = new Map(doc.variants.map((v) => [v.code, v]));
const stream = new SubmissionStream(doc, 'parts');
const bodies = Array.from({ length: n }, () => stream.next());
const warm = new SubmissionStream(doc, 'warm');

type Body = { exam: string; code: string; student: string; answers: Record<string, string> };
// As the service grades: with the exam's long-lived grader (per-variant work done at load).
const grader = examGrader(doc);
const grade = (b: Body) => gradeAnswers(doc, byCode.get(b.code)!, b.answers, grader);
for (let i = 0; i < 200; i++) grade(JSON.parse(warm.next()) as Body);

let t = performance.now();
const parsed = bodies.map((s) => JSON.parse(s) as Body);
const graded = parsed.map(grade);
const gradeAndParse = performance.now() - t;
t = performance.now();
for (const g of graded) JSON.stringify({ score: { total: g.total, max: g.max }, questions: g.questions });
const stringify = performance.now() - t;
t = performance.now();
for (const s of bodies) JSON.parse(s);
const parseOnly = performance.now() - t;

const storage = await openStorage(a['db']!);
await storage.upsertExam({ id: doc.spec.id, title: doc.exam.title, mode: doc.exam.mode, sha256: '0'.repeat(64) });
const add = (i: number) => {
  const b = parsed[i]!;
  const g = graded[i]!;
  return storage.addSubmission({ exam: b.exam, code: b.code, student: b.student, answers: b.answers, result: { total: g.total, max: g.max, detail: storedOutcome(g) }, ip: '127.0.0.1', maxAttempts: doc.exam.attempts });
};
// Warm-up (not measured): the same calls on other students, so that the timed ones run JIT-compiled.
const warmed = Array.from({ length: 500 }, () => JSON.parse(warm.next()) as Body);
for (let i = 0; i < warmed.length; i += WAVE)
  await Promise.all(
    warmed.slice(i, i + WAVE).map((b) => {
      const g = grade(b);
      return storage.addSubmission({ exam: b.exam, code: b.code, student: b.student, answers: b.answers, result: { total: g.total, max: g.max, detail: storedOutcome(g) }, ip: '127.0.0.1', maxAttempts: doc.exam.attempts });
    }),
  );
const half = Math.floor(n / 2);
let sync = 0;
t = performance.now();
for (let i = 0; i < half; i += WAVE) {
  const wave: Promise<unknown>[] = [];
  const s0 = performance.now();
  for (let j = i; j < Math.min(i + WAVE, half); j++) wave.push(add(j));
  sync += performance.now() - s0;
  await Promise.all(wave);
}
const store = performance.now() - t;
t = performance.now();
for (let i = half; i < n; i++) await add(i);
const storeSeq = performance.now() - t;
await storage.close();
const r: GradingParts = { n, gradeMs: (gradeAndParse - parseOnly) / n, storeMs: store / half, storeSeqMs: storeSeq / (n - half), storeSyncMs: sync / half, jsonMs: (parseOnly + stringify) / n };
report(r);
