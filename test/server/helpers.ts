/** Shared by the HTTP and browser tests: a generated exam and a running service on a random port. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateExam } from '../../src/exam/generate.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import type { ExamDoc } from '../../src/exam/types.js';
import { tempDir } from '../tmp.js';

export const ADMIN = 'test-admin-token-0123456789';

export interface Fixture {
  dir: string;
  exam: ExamDoc;
  practice: ExamDoc;
  server: RunningServer;
}

/** Two exams (exam mode with 2 attempts, practice mode) served from a fresh folder and database. */
export async function startFixture(limits: { perIpPerMinute?: number; perStudentPerMinute?: number } = {}): Promise<Fixture> {
  const dir = tempDir('srv');
  const spec = (mode: string, attempts: number) => `title: Server test ${mode}
course: Testing 101
mode: ${mode}
attempts: ${attempts}
counts: best
sections:
  - title: A
    questions:
      - family: conv-output-shape
        points: 2
        params: { framework: keras }
      - family: layer-param-count
        points: 3
        difficulty: 1
      - family: svm-hard-margin
        points: 5
        difficulty: 1
      - family: model-summary
        points: 6
        difficulty: 1
`;
  writeFileSync(join(dir, 'srv-exam.yaml'), spec('exam', 2));
  writeFileSync(join(dir, 'srv-practice.yaml'), spec('practice', 100));
  const out = join(dir, 'out');
  const a = await generateExam({ spec: join(dir, 'srv-exam.yaml'), variants: 3, out, secret: 'server-test-secret', banksDir: 'question-banks/mc', pdf: false });
  const b = await generateExam({ spec: join(dir, 'srv-practice.yaml'), variants: 2, out, secret: 'server-test-secret', banksDir: 'question-banks/mc', pdf: false });
  const server = await startServer({ examsDir: out, port: 0, host: '127.0.0.1', adminToken: ADMIN, logLevel: 'silent', ...limits });
  return { dir, exam: a.exam, practice: b.exam, server };
}

/** The key's own answers for a variant, keyed as the API expects ("3.L2.shape"). */
export function keyAnswers(exam: ExamDoc, variant = 0): Record<string, string> {
  const out: Record<string, string> = {};
  for (const q of exam.variants[variant]!.questions) for (const p of q.parts) out[`${q.number}.${p.id}`] = p.text;
  return out;
}
