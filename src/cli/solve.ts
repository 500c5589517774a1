import type { Command } from 'commander';
import { UserError } from '../core/errors.js';

export function registerSolve(program: Command): void {
  program
    .command('solve')
    .description('solve and verify one given instance of a family')
    .argument('<family>', 'family id (see `dlexam families`)')
    .requiredOption('--params <json>', 'the instance parameters as JSON (see `dlexam families --json`)')
    .option('--json', 'print the exact answer ("a/b" strings), float values, steps and verification as JSON')
    .action(async (id: string, o: { params: string; json?: boolean }) => {
      const { getFamily, instanceToJson, parseParamsJson, runInstance, loadTf, formatInstance } = await import('./instances.js');
      const family = getFamily(id);
      const params = parseParamsJson(family, o.params);
      const inst = await runInstance(family, params, await loadTf());
      process.stdout.write(o.json ? `${JSON.stringify(instanceToJson(inst), null, 2)}\n` : `${formatInstance(inst)}\n`);
      if (!inst.check.ok) process.exitCode = 1;
    });
}

export function parseDifficulty(v: string): 1 | 2 | 3 {
  if (v === '1' || v === '2' || v === '3') return Number(v) as 1 | 2 | 3;
  throw new UserError(`--difficulty must be 1, 2 or 3 (got "${v}")`);
}
