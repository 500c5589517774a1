import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import type { ExamDoc } from '../../src/exam/types.js';
import { registerFonts } from '../../src/render/pdf/fonts.js';
import { fitLine } from '../../src/render/pdf/lines.js';
import { OverviewPdf, renderOverviewPdf } from '../../src/render/pdf/overview.js';
import { tempDir } from '../tmp.js';

test('fitLine: the longest start that fits, with "…" when cut; whole surrogate pairs; "" when nothing fits', () => {
  const doc = new PDFDocument({ font: null as unknown as string });
  registerFonts(doc);
  doc.font('sans').fontSize(6.5);
  assert.equal(fitLine(doc, '(30, 30, 256)', 200), '(30, 30, 256)');
  const cut = fitLine(doc, '[[2/3, -1/3], [5/7, 11/13], [17/19, 23/29]]', 40);
  assert.ok(cut.endsWith('…') && cut.length < 20, cut);
  assert.ok(doc.widthOfString(cut) <= 40);
  // One more character would not fit.
  const whole = '[[2/3, -1/3], [5/7, 11/13], [17/19, 23/29]]';
  const kept = cut.slice(0, -1);
  assert.ok(doc.widthOfString(`${whole.slice(0, kept.length + 1).trimEnd()}…`) > 40 || whole[kept.length] === ' ');
  assert.equal(fitLine(doc, 'x𝛼𝛼𝛼𝛼𝛼𝛼𝛼𝛼𝛼𝛼𝛼', 12).includes('\ud835…'), false);
  assert.equal(fitLine(doc, 'anything', 1), '');
});

test('instructor overview: one line per variant, cells cut to their column (pdfkit wraps any text with a width)', async () => {
  const questions = Array.from({ length: 10 }, (_, i) => ({
    number: i + 1,
    parts: [{ text: `[[${i}/3, -1/3, 7/11], [5/7, 11/13, 2], [17/19, 23/29, -5]] with a long tail` }, { text: '(245, 32)' }],
  }));
  const variants = Array.from({ length: 120 }, (_, i) => ({ number: i + 1, code: `C${String(i).padStart(5, '0')}`, questions }));
  const exam = {
    exam: { title: 'Overview test', course: 'Course', paper: 'A4' },
    totalPoints: 50,
    variants,
  } as unknown as ExamDoc;
  const file = join(tempDir('overview'), 'overview.pdf');
  await renderOverviewPdf(exam, file);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
  // ~55 rows per A4 page: 120 variants and a header fit on 3 pages (wrapped cells had made dozens).
  assert.ok(pages <= 3, `${pages} pages`);
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  const rows = text.split('\n').filter((l) => /^\s*\d+ C\d{5}/.test(l));
  assert.equal(rows.length, 120);
  for (const r of rows) assert.equal((r.match(/…/g) ?? []).length, 10, r); // every answer cell cut, on its row
});

test('OverviewPdf: written to a partial file, renamed by finish(); discard() leaves nothing behind', async () => {
  const shell = { exam: { title: 'Overview test', course: 'Course', paper: 'A4' }, totalPoints: 5 } as unknown as Omit<ExamDoc, 'variants'>;
  const row = (n: number) => ({ number: n, code: `C${n}`, questions: [{ number: 1, parts: [{ text: String(n) }] }] });
  const dir = tempDir('overview');
  const done = new OverviewPdf(shell, 2, join(dir, 'overview.pdf'));
  done.add(row(1));
  done.add(row(2));
  assert.ok(!existsSync(join(dir, 'overview.pdf')), 'not under its name while it is written');
  await done.finish();
  assert.deepEqual(readdirSync(dir), ['overview.pdf']);
  assert.match(execFileSync('pdftotext', [join(dir, 'overview.pdf'), '-'], { encoding: 'utf8' }), /2 variant\(s\)[\s\S]*1 C1[\s\S]*2 C2/);
  const failed = new OverviewPdf(shell, 2, join(dir, 'failed.pdf'));
  failed.add(row(1));
  failed.discard();
  for (let i = 0; i < 100 && readdirSync(dir).length > 1; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(readdirSync(dir), ['overview.pdf'], 'the partial file of a discarded overview is removed');
});
