import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { availableParallelism } from 'node:os';
import { UserError } from '../core/errors.js';
import { DEMO_SECRET, defaultJobs, resolveSecret, WORKERS_FROM } from '../exam/options.js';

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('spec → N verified exam variants: exam.json, paper + key PDFs, key CSV/JSON, overview, fairness report')
    .argument('<spec>', 'exam spec (YAML), e.g. question-banks/cnn-midterm.yaml')
    .option('-n, --variants <n>', 'number of variants', '4')
    .option('-o, --out <dir>', 'output folder (the exam goes to <dir>/<spec name>/)', 'out')
    .option('--secret-file <file>', 'file holding the secret that seeds the variants (else DLEXAM_SECRET)')
    .option('--demo', `allow running without a secret (uses a public demo secret; never for a real exam)`)
    .option('--banks <dir>', 'folder of multiple-choice banks', 'question-banks/mc')
    .option('--no-pdf', 'skip the PDFs (exam.json, CSV and JSON keys only)')
    .option(
      '-j, --jobs <n>',
      `threads producing variants: this one plus n − 1 worker threads, each adding ~80 MB (default: all ${availableParallelism()} cores from ${WORKERS_FROM.pdf} variants on, ${WORKERS_FROM.noPdf} with --no-pdf, else 1)`,
    )
    .option('--moodle', 'also export moodle.xml (Moodle XML: numerical, cloze and multiple-choice questions)')
    .action(async (spec: string, o: { variants: string; out: string; secretFile?: string; demo?: boolean; banks: string; pdf: boolean; moodle?: boolean; jobs?: string }) => {
      const variants = Number(o.variants);
      if (!Number.isInteger(variants) || variants < 1) throw new UserError(`--variants must be a positive integer (got "${o.variants}")`);
      const jobs = o.jobs === undefined ? defaultJobs(variants, o.pdf, availableParallelism()) : Number(o.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new UserError(`--jobs must be a positive integer (got "${o.jobs}")`);
      const secret = resolveSecret(o);
      if (secret === DEMO_SECRET) process.stderr.write('note: using the public demo secret (--demo); set DLEXAM_SECRET for a real exam\n');
      const { generateExam } = await import('../exam/generate.js');
      const tty = Boolean(process.stderr.isTTY) && !process.env['CI'];
      const bar = tty ? new cliProgress.SingleBar({ format: ' {stage} [{bar}] {value}/{total} variants', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
      let stage = '';
      const r = await generateExam({
        spec,
        variants,
        out: o.out,
        secret,
        banksDir: o.banks,
        pdf: o.pdf,
        moodle: Boolean(o.moodle),
        jobs,
        onProgress: (done, total, s) => {
          if (!bar) return;
          if (s !== stage) {
            if (stage) bar.stop();
            stage = s;
            bar.start(total, 0, { stage: s.padEnd(20) });
          }
          bar.update(done, { stage: s.padEnd(20) });
        },
      });
      bar?.stop();
      const { summary: sum } = r;
      const warnings = sum.warnings;
      process.stdout.write(
        `${sum.title}: ${sum.variants} variant(s), ${sum.questions} questions, ${sum.totalPoints} points\n` +
          `  exam.json   ${r.dir}/exam.json   (all answers — instructor only)\n` +
          (o.pdf ? `  papers      ${r.dir}/papers/\n  keys        ${r.dir}/keys/ (PDF, JSON, key.csv, overview.pdf)\n` : `  keys        ${r.dir}/keys/ (JSON, key.csv)\n`) +
          (o.moodle ? `  moodle      ${r.dir}/moodle.xml\n` : '') +
          `  fairness    ${r.dir}/fairness.txt${warnings.length ? ` — ${warnings.length} warning(s):\n${warnings.map((w) => `    ! ${w}`).join('\n')}` : ' — no warnings'}\n` +
          `  codes       ${codesLine(sum.codes, `${r.dir}/keys/key.csv`)}\n`,
      );
    });
}

/** The variant codes for the summary: all of them for a few variants, else the first ones and where the rest are. */
export function codesLine(codes: readonly string[], list: string): string {
  const SHOWN = 12;
  return codes.length <= SHOWN ? codes.join(' ') : `${codes.slice(0, SHOWN - 2).join(' ')} … (${codes.length} in all: ${list})`;
}
