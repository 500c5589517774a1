import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { UserError } from '../core/errors.js';
import type { FuzzReport } from '../verify/fuzz.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('fuzz families: exact solver vs independent tensor computation over many seeds (exit 1 on any disagreement)')
    .option('--family <id...>', 'only these families (default: all)')
    .option('--seeds <n>', 'instances per family (difficulties cycle 1, 2, 3)', '1000')
    .option('--start <n>', 'first seed', '0')
    .option('--json', 'print the reports as JSON')
    .action(async (o: { family?: string[]; seeds: string; start: string; json?: boolean }) => {
      const { families, getFamily, fuzzFamily, loadTf, formatTable } = await import('./instances.js');
      const seeds = Number(o.seeds);
      const start = Number(o.start);
      if (!Number.isInteger(seeds) || seeds < 1) throw new UserError(`--seeds must be a positive integer (got "${o.seeds}")`);
      if (!Number.isInteger(start) || start < 0) throw new UserError(`--start must be a non-negative integer (got "${o.start}")`);
      const chosen = o.family ? o.family.map(getFamily) : families;
      const tf = await loadTf();
      const tty = Boolean(process.stderr.isTTY) && !o.json;
      const bars = tty
        ? new cliProgress.MultiBar({ format: ' {family} [{bar}] {value}/{total} {eta_formatted} left', hideCursor: true, clearOnComplete: false, stream: process.stderr }, cliProgress.Presets.shades_classic)
        : undefined;
      const reports: FuzzReport[] = [];
      for (const f of chosen) {
        const bar = bars?.create(seeds, 0, { family: f.id.padEnd(24) });
        const r = await fuzzFamily(f, tf, { seeds, start, onProgress: (d) => bar?.update(d) });
        reports.push(r);
        if (!tty && !o.json) process.stderr.write(`${f.id}: ${r.agreed}/${r.instances} agree (${(r.ms / 1000).toFixed(1)} s)\n`);
      }
      bars?.stop();
      const failed = reports.some((r) => r.failures.length > 0);
      if (o.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      else {
        process.stdout.write(
          `${formatTable(
            ['family', 'instances', 'agree', 'disagree', 'distinct answers', 'time', 'inst/s'],
            reports.map((r) => [r.family, String(r.instances), String(r.agreed), String(r.failures.length), String(r.distinctAnswers), `${(r.ms / 1000).toFixed(1)} s`, (r.instances / (r.ms / 1000)).toFixed(0)]),
          )}\n`,
        );
        for (const r of reports)
          for (const fl of r.failures.slice(0, 5))
            process.stdout.write(
              `\n✗ ${r.family} seed ${fl.seed} (difficulty ${fl.difficulty}): ${fl.error ?? fl.parts!.map((p) => `${p.id}: solver ${JSON.stringify(p.expected)} vs tensor ${JSON.stringify(p.got)}`).join('; ')}\n  reproduce: dlexam sample ${r.family} --seed ${fl.seed} --difficulty ${fl.difficulty}\n`,
            );
        process.stdout.write(failed ? '\nDISAGREEMENTS FOUND — these instances would never be printed; fix the family.\n' : `\nAll ${reports.reduce((a, r) => a + r.instances, 0)} instances agree.\n`);
      }
      if (failed) process.exitCode = 1;
    });
}
