/**
 * What `dlexam generate` decides before it starts generating — the secret and the number of threads —
 * kept apart from the generator so the CLI can read its options and help text without loading it.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';

export const DEMO_SECRET = 'dlexam-demo-secret (public: never use for a real exam)';

/**
 * `--jobs` when none is given: every core once the variants are enough work to repay starting the
 * worker threads (each starts in ~0.5 s and adds ~80 MB with PDFs; without PDFs it loads the sources
 * and TensorFlow.js), else 1:
 * from ~3 s of single-thread work (a variant takes ~50 ms with its two PDFs, ~10 ms without).
 */
export const WORKERS_FROM = { pdf: 50, noPdf: 300 };

export function defaultJobs(variants: number, pdf: boolean, cores: number): number {
  return variants >= (pdf ? WORKERS_FROM.pdf : WORKERS_FROM.noPdf) ? cores : 1;
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
