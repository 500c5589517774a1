/**
 * `dlexam generate`: spec → out/<exam>/ with exam.json (the single source of truth), one paper and
 * one key PDF per variant, key CSV/JSON, an instructor overview and a fairness report.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from '../core/errors.js';
import { loadBanks } from '../bank/mc.js';
import { loadSpec } from '../bank/spec.js';
import { renderVariantPdf } from '../render/pdf/paper.js';
import { renderOverviewPdf } from '../render/pdf/overview.js';
import { keyCsv } from '../render/export/csv.js';
import { moodleXml } from '../render/export/moodle.js';
import { loadTf } from '../verify/tensor.js';
import { assembleVariant, examHeader } from './assemble.js';
import { variantCodes } from './codes.js';
import { fairness, fairnessText } from './fairness.js';
import type { ExamDoc, VariantDoc } from './types.js';

export const DEMO_SECRET = 'dlexam-demo-secret (public: never use for a real exam)';

export interface GenerateOptions {
  spec: string;
  variants: number;
  out: string;
  secret: string;
  banksDir: string;
  pdf: boolean;
  /** Also write moodle.xml (Moodle XML question bank, one category per question). */
  moodle?: boolean;
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
  const tf = await loadTf();
  const codes = variantCodes(o.secret, spec.id, o.variants);
  const variants: VariantDoc[] = [];
  for (let v = 1; v <= o.variants; v++) {
    variants.push(await assembleVariant(spec, o.secret, v, codes[v - 1]!, banks, tf));
    o.onProgress?.(v, o.variants, 'solving + verifying');
  }
  const totalPoints = variants[0]!.questions.reduce((a, q) => a + q.points, 0);
  const exam: ExamDoc = {
    ...examHeader(spec, relative(process.cwd(), o.spec) || o.spec, createHash('sha256').update(specText).digest('hex')),
    totalPoints,
    variants,
  };
  const dir = join(o.out, spec.id);
  const files: string[] = [];
  const write = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    files.push(p);
  };
  mkdirSync(join(dir, 'papers'), { recursive: true });
  mkdirSync(join(dir, 'keys'), { recursive: true });
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
    let done = 0;
    for (const v of variants) {
      const paper = join(dir, 'papers', `${fileStem(v)}.pdf`);
      const key = join(dir, 'keys', `${fileStem(v)}-key.pdf`);
      await renderVariantPdf(exam, v, 'paper', paper);
      await renderVariantPdf(exam, v, 'key', key);
      files.push(paper, key);
      o.onProgress?.(++done, variants.length, 'rendering PDFs');
    }
    const overview = join(dir, 'keys', 'overview.pdf');
    await renderOverviewPdf(exam, overview);
    files.push(overview);
  }
  return { dir, exam, files };
}

export function fileStem(v: VariantDoc): string {
  return `${String(v.number).padStart(3, '0')}-${v.code}`;
}
