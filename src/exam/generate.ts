/**
 * `dlexam generate`: spec → out/<exam>/ with exam.json (the single source of truth), one paper and
 * one key PDF per variant, key CSV/JSON, an instructor overview and a fairness report.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from '../core/errors.js';
import { loadBanks } from '../bank/mc.js';
import { loadSpec } from '../bank/spec.js';
import { renderOverviewPdf } from '../render/pdf/overview.js';
import { keyCsv } from '../render/export/csv.js';
import { moodleXml } from '../render/export/moodle.js';
import { loadTf } from '../verify/tensor.js';
import { examHeader, specTotalPoints } from './assemble.js';
import { fileStem, produceVariant } from './produce.js';
import { variantCodes } from './codes.js';
import { fairness, fairnessText } from './fairness.js';
import type { ExamDoc, VariantDoc } from './types.js';
import type { WorkerTask } from './worker.js';

export const DEMO_SECRET = 'dlexam-demo-secret (public: never use for a real exam)';

export interface GenerateOptions {
  spec: string;
  variants: number;
  out: string;
  secret: string;
  banksDir: string;
  pdf: boolean;
  /** Worker threads for solving + verifying (1 = in this thread). */
  jobs?: number;
  /** Also write moodle.xml (Moodle XML question bank, one category per question). */
  moodle?: boolean;
  /** Internal, benchmark baseline only (never exposed in the CLI): false skips the tensor verification. Default true. */
  verify?: boolean;
  onProgress?: (done: number, total: number, stage: string) => void;
}

export interface GenerateResult {
  dir: string;
  exam: ExamDoc;
  files: string[];
}

export function resolveSecret(o: { secretFile?: string; demo?: boolean }): string {
  if (o.secretFile) {
    let s: string;
    try {
      s = readFileSync(o.secretFile, 'utf8').trim();
    } catch (e) {
      throw new UserError(`cannot read --secret-file ${o.secretFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (s.length < 8) throw new UserError(`the secret in ${o.secretFile} is too short (at least 8 characters)`);
    return s;
  }
  const env = process.env['DLEXAM_SECRET'];
  if (env) {
    if (env.trim().length < 8) throw new UserError('DLEXAM_SECRET is too short (at least 8 characters)');
    return env.trim();
  }
  if (o.demo) return DEMO_SECRET;
  throw new UserError('no secret: set DLEXAM_SECRET or pass --secret-file FILE (variant seeds and codes are derived from it; keep it private)', 'for a try-out without a secret, pass --demo');
}

export async function generateExam(o: GenerateOptions): Promise<GenerateResult> {
  if (!Number.isInteger(o.variants) || o.variants < 1 || o.variants > 10000) throw new UserError(`--variants must be an integer from 1 to 10000 (got ${o.variants})`);
  const banks = loadBanks(o.banksDir);
  const spec = loadSpec(o.spec, { banks: [...banks.keys()] });
  const specText = readFileSync(o.spec);
  const codes = variantCodes(o.secret, spec.id, o.variants);
  const shell: Omit<ExamDoc, 'variants'> = {
    ...examHeader(spec, relative(process.cwd(), o.spec) || o.spec, createHash('sha256').update(specText).digest('hex')),
    totalPoints: specTotalPoints(spec),
  };
  const dir = join(o.out, spec.id);
  mkdirSync(join(dir, 'papers'), { recursive: true });
  mkdirSync(join(dir, 'keys'), { recursive: true });
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, o.variants));
  const stage = o.pdf ? 'solving, verifying, rendering' : 'solving + verifying';
  let done = 0;
  const progress = () => o.onProgress?.(++done, o.variants, stage);
  let variants: VariantDoc[];
  if (jobs > 1) variants = await produceInWorkers(o, shell, dir, codes, jobs, progress);
  else {
    const ctx = { spec, banks, secret: o.secret, shell, dir, pdf: o.pdf, tf: await loadTf(), verify: o.verify ?? true };
    variants = [];
    for (const [i, code] of codes.entries()) {
      variants.push(await produceVariant(ctx, i + 1, code));
      progress();
    }
  }
  const exam: ExamDoc = { ...shell, variants };
  const files: string[] = [];
  const write = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    files.push(p);
  };
  write('exam.json', `${JSON.stringify(exam, null, 2)}\n`);
  write('keys/key.csv', keyCsv(exam));
  if (o.moodle) write('moodle.xml', moodleXml(exam));
  const report = fairness(exam);
  write('fairness.txt', fairnessText(report));
  write('fairness.json', `${JSON.stringify(report, null, 2)}\n`);
  for (const v of variants) {
    write(`keys/${fileStem(v)}-key.json`, `${JSON.stringify({ exam: exam.exam.title, variant: v.number, code: v.code, answers: v.questions.flatMap((q) => q.parts.map((p) => ({ question: q.number, part: p.id, answer: p.text, points: p.points }))) }, null, 2)}\n`);
  }
  if (o.pdf) {
    for (const v of variants) files.push(join(dir, 'papers', `${fileStem(v)}.pdf`), join(dir, 'keys', `${fileStem(v)}-key.pdf`));
    const overview = join(dir, 'keys', 'overview.pdf');
    await renderOverviewPdf(exam, overview);
    files.push(overview);
  }
  return { dir, exam, files };
}

/** Round-robin the variants over worker threads; results are put back in variant order. */
async function produceInWorkers(o: GenerateOptions, shell: Omit<ExamDoc, 'variants'>, dir: string, codes: string[], jobs: number, progress: () => void): Promise<VariantDoc[]> {
  const slices: WorkerTask['variants'][] = Array.from({ length: jobs }, () => []);
  codes.forEach((code, i) => slices[i % jobs]!.push({ number: i + 1, code }));
  const out: VariantDoc[] = new Array(codes.length);
  const workers: Worker[] = [];
  try {
    await Promise.all(
      slices.map(
        (variants) =>
          new Promise<void>((resolve, reject) => {
            const task: WorkerTask = { spec: o.spec, banksDir: o.banksDir, secret: o.secret, shell, dir, pdf: o.pdf, verify: o.verify ?? true, variants };
            const w = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: task });
            workers.push(w);
            w.on('message', (m: { type: string; doc?: VariantDoc; message?: string; name?: string }) => {
              if (m.type === 'variant') {
                out[m.doc!.number - 1] = m.doc!;
                progress();
              } else if (m.type === 'done') resolve();
              else if (m.type === 'error') reject(m.name === 'UserError' ? new UserError(m.message!) : new Error(m.message));
            });
            w.on('error', reject);
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
