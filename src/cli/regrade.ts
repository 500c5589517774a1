import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { join } from 'node:path';

export function registerRegrade(program: Command): void {
  program
    .command('regrade')
    .description('recompute every stored submission from the current exam.json files; show the score changes, apply only when confirmed')
    .option('--exams <dir>', 'folder holding <exam>/exam.json', 'out')
    .option('--db <target>', 'submission storage (default <exams>/dlexam.sqlite)')
    .option('--exam <id>', 'only this exam')
    .option('--yes', 'apply without asking')
    .action(async (o: { exams: string; db?: string; exam?: string; yes?: boolean }) => {
      const [{ ExamRegistry }, { planRegrade, planText }, { openStorage }] = await Promise.all([import('../server/exams.js'), import('../server/regrade.js'), import('../server/storage/index.js')]);
      const registry = ExamRegistry.load(o.exams);
      const storage = await openStorage(o.db ?? join(o.exams, 'dlexam.sqlite'));
      try {
        const exams = registry.list().filter((e) => !o.exam || e.id === o.exam);
        const plans = [];
        for (const e of exams) {
          const p = await planRegrade(storage, e.doc);
          plans.push({ e, p });
          process.stdout.write(planText(p));
        }
        const pending = plans.filter(({ p }) => p.updates.length > 0);
        if (pending.length === 0) return;
        let apply = Boolean(o.yes);
        if (!apply && process.stdin.isTTY) {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          apply = /^y(es)?$/i.test((await rl.question('Apply these changes? [y/N] ')).trim());
          rl.close();
        }
        if (!apply) {
          process.stdout.write('nothing changed (re-run with --yes to apply)\n');
          return;
        }
        for (const { e, p } of pending) {
          const r = await storage.updateScores(e.id, p.updates, { reason: `regrade against exam.json ${e.sha256.slice(0, 12)}` });
          await storage.upsertExam({ id: e.id, title: e.doc.exam.title, mode: e.doc.exam.mode, sha256: e.sha256 });
          process.stdout.write(`${e.id}: applied ${r.changed} change(s)\n`);
        }
      } finally {
        await storage.close();
      }
    });
}
