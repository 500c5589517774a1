import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { UserError } from '../core/errors.js';

export function registerGrade(program: Command): void {
  program
    .command('grade')
    .description('grade a CSV of submissions (student, code, one column per "<question>.<part>") → scores, feedback, item statistics')
    .requiredOption('--exam <file>', 'the exam.json written by dlexam generate')
    .argument('[submissions]', 'CSV file with one row per student')
    .option('-o, --out <dir>', 'output folder (default: <submissions>-graded/ next to the CSV)')
    .option('--template', 'print an empty CSV with the right columns for this exam and exit')
    .action(async (file: string | undefined, o: { exam: string; out?: string; template?: boolean }) => {
      const { gradeCsv, readExam, templateCsv } = await import('../grade/batch.js');
      const exam = readExam(o.exam);
      if (o.template) {
        process.stdout.write(templateCsv(exam));
        return;
      }
      if (!file) throw new UserError('missing the submissions CSV (or pass --template for an empty one)');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      const out = o.out ?? join(dirname(file), `${basename(file).replace(/\.csv$/i, '')}-graded`);
      const r = gradeCsv(exam, text, out);
      const mean = r.graded.length ? r.graded.reduce((a, g) => a + g.grade.total, 0) / r.graded.length : 0;
      process.stdout.write(`graded ${r.graded.length} student(s) (mean ${Math.round(mean * 100) / 100} / ${exam.totalPoints}); ${r.skipped.length} row(s) skipped, ${r.warnings.length} warning(s)\n`);
      for (const s of r.skipped) process.stdout.write(`  skipped row ${s.row}${s.student ? ` (${s.student})` : ''}: ${s.message}\n`);
      for (const w of r.warnings.slice(0, 20)) process.stdout.write(`  warning row ${w.row}${w.student ? ` (${w.student})` : ''}: ${w.message}\n`);
      if (r.warnings.length > 20) process.stdout.write(`  … ${r.warnings.length - 20} more in problems.csv\n`);
      process.stdout.write(`wrote ${out}/scores.csv, items.csv, problems.csv and feedback/<student>.txt\n`);
    });
}
