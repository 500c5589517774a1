import type { Command } from 'commander';
import { parseDifficulty } from './solve.js';

export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('generate, solve, verify and print one seeded instance of a family')
    .argument('<family>', 'family id (see `dlexam families`)')
    .option('--seed <seed>', 'any string; the same seed always gives the same instance', '1')
    .option('--difficulty <d>', '1 (direct), 2 (standard) or 3 (tricky)', '2')
    .option('--json', 'JSON output (params, answer, steps, verification, mistakes)')
    .action(async (id: string, o: { seed: string; difficulty: string; json?: boolean }) => {
      const { getFamily, generateParams, instanceToJson, runInstance, loadTf, formatInstance } = await import('./instances.js');
      const family = getFamily(id);
      const params = generateParams(family, o.seed, parseDifficulty(o.difficulty));
      const inst = await runInstance(family, params, await loadTf());
      if (o.json) process.stdout.write(`${JSON.stringify(instanceToJson(inst), null, 2)}\n`);
      else process.stdout.write(`[${family.id} · seed ${o.seed} · difficulty ${o.difficulty}]\nparams: ${JSON.stringify(params)}\n\n${formatInstance(inst)}\n`);
      if (!inst.check.ok) process.exitCode = 1;
    });
}
