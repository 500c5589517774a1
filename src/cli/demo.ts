import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Instance } from '../families/run.js';
import type { Difficulty } from '../families/types.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('write one verified sample question per family and difficulty to out/demo/ (text + JSON)')
    .option('--out <dir>', 'output folder', 'out/demo')
    .action(async (o: { out: string }) => {
      const { families, generateParams, instanceToJson, runInstance, loadTf, formatInstance } = await import('./instances.js');
      const tf = await loadTf();
      const instances: Instance[] = [];
      for (const f of families)
        for (const d of [1, 2, 3] as Difficulty[]) instances.push(await runInstance(f, generateParams(f, 'demo', d), tf));
      const bad = instances.filter((i) => !i.check.ok);
      mkdirSync(o.out, { recursive: true });
      writeFileSync(join(o.out, 'samples.json'), `${JSON.stringify(instances.map(instanceToJson), null, 2)}\n`);
      const text = instances.map((inst, i) => `━━ ${i + 1}. ${inst.family} (difficulty ${(i % 3) + 1}) ━━\n\n${formatInstance(inst)}\n`).join('\n');
      writeFileSync(join(o.out, 'samples.txt'), text);
      process.stdout.write(`wrote ${instances.length} verified questions (${families.length} families × 3 difficulties) to ${o.out}/samples.txt and samples.json\n`);
      if (bad.length) {
        process.stderr.write(`${bad.length} instance(s) failed verification\n`);
        process.exitCode = 1;
      }
    });
}
