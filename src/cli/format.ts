/** Plain-text rendering of an instance for the terminal. */
import { formatPartAnswer, formatAnswer } from '../core/answer.js';
import { fmtReal, type Real } from '../core/exact.js';
import type { Instance } from '../families/run.js';
import type { Block } from '../families/types.js';

export function formatMatrix(name: string, rows: readonly (readonly Real[])[]): string {
  const cells = rows.map((r) => r.map(fmtReal));
  const width = Math.max(...cells.flat().map((c) => c.length));
  const lines = cells.map((r) => `  │ ${r.map((c) => c.padStart(width)).join('  ')} │`);
  return [`${name} =`, ...lines].join('\n');
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`;
  return [line(header), `  ${widths.map((w) => '─'.repeat(w)).join('  ')}`, ...rows.map(line)].join('\n');
}

export function formatBlock(b: Block): string {
  switch (b.kind) {
    case 'matrix':
      return formatMatrix(b.name, b.value);
    case 'vector':
      return `${b.name} = [${b.value.map(fmtReal).join(', ')}]`;
    case 'table':
      return formatTable(b.header, b.rows);
  }
}

export function formatInstance(inst: Instance): string {
  const out: string[] = [];
  out.push(inst.statement.text);
  for (const b of inst.statement.blocks ?? []) out.push('', formatBlock(b));
  out.push('', `Convention: ${inst.statement.convention}`, '', 'Answer:');
  for (const p of inst.solution.parts) out.push(`  ${p.label}: ${formatPartAnswer(p)}`);
  out.push('', 'Worked solution:');
  inst.solution.steps.forEach((s, i) => out.push(`  ${i + 1}. ${s}`));
  out.push('', `Verification (${inst.check.method}): ${inst.check.ok ? 'OK' : 'DISAGREEMENT'}`);
  for (const pc of inst.check.parts.filter((x) => !x.ok))
    out.push(`  ✗ ${pc.id}: solver ${JSON.stringify(pc.expected)} vs tensor ${JSON.stringify(pc.got)}${pc.note ? ` (${pc.note})` : ''}`);
  if (inst.mistakes.length) {
    out.push('', 'Typical mistakes:');
    for (const m of inst.mistakes)
      out.push(`  - ${m.label}: ${Object.entries(m.answers).map(([k, a]) => `${k} = ${formatAnswer(a)}`).join('; ')}`);
  }
  return out.join('\n');
}
