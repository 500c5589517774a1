import type { Command } from 'commander';

export function registerFamilies(program: Command): void {
  program
    .command('families')
    .description('list every problem family with its id, topic, answer types and parameter schema')
    .option('--json', 'machine-readable output (includes the JSON Schema of each family’s params)')
    .action(async (o: { json?: boolean }) => {
      const [{ z }, { families, formatTable }] = await Promise.all([import('zod'), import('./instances.js')]);
      if (o.json) {
        const rows = families.map((f) => ({
          id: f.id,
          title: f.title,
          topic: f.topic,
          description: f.description,
          answerKinds: f.answerKinds,
          params: z.toJSONSchema(f.params, { io: 'input', unrepresentable: 'any' }),
        }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${formatTable(
          ['id', 'topic', 'answers', 'title'],
          families.map((f) => [f.id, f.topic, f.answerKinds.join(', '), f.title]),
        )}\n\n${families.length} families. Try: dlexam sample ${families[0]?.id} --seed 1\n`,
      );
    });
}
