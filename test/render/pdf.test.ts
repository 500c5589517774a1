import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import seedrandom from 'seedrandom';
import { generateExam } from '../../src/exam/generate.js';
import { FONTS, registerFonts, subsetFilesForTest, type FontName } from '../../src/render/pdf/fonts.js';
import { tempDir } from '../tmp.js';

test('subset font files: the fast writer gives fontkit’s bytes for random glyph lists of every font', () => {
  const rng = seedrandom('subsets');
  for (const name of Object.keys(FONTS) as FontName[]) {
    for (let k = 0; k < 25; k++) {
      const n = 1 + Math.floor(rng() * 150);
      // Glyph ids spread over the font (DejaVu has composite glyphs such as accented letters and ½).
      const glyphs = Array.from({ length: n }, () => Math.floor(rng() * 3000));
      const { ours, fontkit } = subsetFilesForTest(name, glyphs);
      assert.ok(ours, `${name}: the fast writer is in use`);
      assert.deepEqual(Buffer.from(ours), Buffer.from(fontkit), `${name}: glyphs ${glyphs.join(',')}`);
    }
  }
});

function pdf(file: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ font: null as unknown as string, info: { CreationDate: new Date(0) } });
    registerFonts(doc);
    doc.text(text, 72, 72);
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => {
      writeFileSync(file, Buffer.concat(chunks));
      resolve();
    });
    doc.on('error', reject);
    doc.end();
  });
}

test('text stays extractable when an earlier document embedded a composite glyph (½ holds ¹)', async () => {
  const dir = tempDir('fonts');
  await pdf(join(dir, 'a.pdf'), 'half: ½ and é');
  await pdf(join(dir, 'b.pdf'), 'x¹ = 1 and e');
  const text = execFileSync('pdftotext', [join(dir, 'b.pdf'), '-'], { encoding: 'utf8' });
  assert.match(text, /x¹ = 1 and e/);
});

test('a variant rendered in a fresh process has the bytes it has when rendered after the others', async () => {
  const out = tempDir('alone');
  const r = await generateExam({ spec: 'question-banks/cnn-midterm.yaml', variants: 3, out, secret: 'alone-secret-0123', banksDir: 'question-banks/mc', pdf: true });
  const v = r.exam.variants[2]!;
  const stem = `003-${v.code}`;
  const alone = join(out, 'alone');
  const script = `
    import { readFileSync, mkdirSync } from 'node:fs';
    import { renderVariantPdf } from './src/render/pdf/paper.ts';
    const exam = JSON.parse(readFileSync(${JSON.stringify(join(r.dir, 'exam.json'))}, 'utf8'));
    const v = exam.variants[2];
    mkdirSync(${JSON.stringify(alone)}, { recursive: true });
    await renderVariantPdf({ ...exam, variants: [] }, v, 'key', ${JSON.stringify(join(alone, 'key.pdf'))});
    await renderVariantPdf({ ...exam, variants: [] }, v, 'paper', ${JSON.stringify(join(alone, 'paper.pdf'))});
  `;
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' });
  assert.ok(readFileSync(join(alone, 'key.pdf')).equals(readFileSync(join(r.dir, 'keys', `${stem}-key.pdf`))), 'key');
  assert.ok(readFileSync(join(alone, 'paper.pdf')).equals(readFileSync(join(r.dir, 'papers', `${stem}.pdf`))), 'paper');
});
