/**
 * Conceptual multiple-choice banks: question-banks/mc/<bank>.yaml
 *
 *   bank: cnn-concepts
 *   title: Convolutional networks — concepts
 *   questions:
 *     - id: one-by-one-conv
 *       topic: cnn
 *       text: What is the main purpose of a 1×1 convolution in an Inception module?
 *       options: [ "…correct…", "…", "…", "…" ]
 *       answer: 0            # index into options (0-based) of the correct option
 *       explanation: One line saying why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UserError } from '../core/errors.js';

const mcQuestion = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'id: lowercase letters, digits and "-"'),
    topic: z.string().min(1),
    text: z.string().min(10),
    options: z.array(z.string().min(1)).min(3).max(6),
    answer: z.int().min(0),
    explanation: z.string().min(10),
  })
  .strict()
  .refine((q) => q.answer < q.options.length, { message: 'answer must index one of the options', path: ['answer'] })
  .refine((q) => new Set(q.options).size === q.options.length, { message: 'options must be distinct', path: ['options'] });

const mcBank = z.object({ bank: z.string().regex(/^[a-z0-9-]+$/), title: z.string().min(1), questions: z.array(mcQuestion).min(1) }).strict();

export type McQuestion = z.output<typeof mcQuestion>;
export type McBank = z.output<typeof mcBank>;

export function parseBank(text: string, file: string): McBank {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = lines.linePos(e.pos[0]);
    throw new UserError(`${file}:${pos.line}:${pos.col}: YAML syntax: ${e.message.split('\n')[0]}`);
  }
  const r = mcBank.safeParse(doc.toJS());
  if (!r.success) {
    const msgs = r.error.issues.map((i) => {
      const node = doc.getIn(i.path as (string | number)[], true) as { range?: [number] } | undefined;
      const pos = lines.linePos(node?.range?.[0] ?? 0);
      return `  ${file}:${pos.line}:${pos.col}: ${i.path.join('.')}: ${i.message}`;
    });
    throw new UserError(`invalid multiple-choice bank:\n${msgs.join('\n')}`);
  }
  const ids = new Set<string>();
  for (const q of r.data.questions) {
    if (ids.has(q.id)) throw new UserError(`${file}: duplicate question id "${q.id}"`);
    ids.add(q.id);
  }
  return r.data;
}

/** Every bank in a folder (default question-banks/mc), keyed by bank id. */
export function loadBanks(dir: string): Map<string, McBank> {
  const banks = new Map<string, McBank>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return banks;
  }
  for (const f of files) {
    const path = join(dir, f);
    const bank = parseBank(readFileSync(path, 'utf8'), path);
    if (banks.has(bank.bank)) throw new UserError(`${path}: bank id "${bank.bank}" is used by two files`);
    banks.set(bank.bank, bank);
  }
  return banks;
}
