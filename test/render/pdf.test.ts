import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import seedrandom from 'seedrandom';
import { generateExam } from '../../src/exam/generate.js';
import { FONTS, registerFonts, subsetFilesForTest, unicodeMapTextForTest, type FontName } from '../../src/render/pdf/fonts.js';
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

function pdfBytes(text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ font: null as unknown as string, info: { CreationDate: new Date(0) } });
    registerFonts(doc);
    doc.text(text, 72, 72);
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

async function pdf(file: string, text: string): Promise<void> {
  writeFileSync(file, await pdfBytes(text));
}

/** The (still deflated) bytes of the stream that `key` (e.g. /FontFile2) refers to in the PDF's only font. */
function streamOf(pdfFile: Buffer, key: string): Buffer {
  const s = pdfFile.toString('latin1');
  const ref = new RegExp(`${key} (\\d+) 0 R`).exec(s);
  assert.ok(ref, `${key} is in the PDF`);
  const obj = new RegExp(`\\n${ref[1]} 0 obj\\n<<[^]*?/Length (\\d+)[^]*?>>\\nstream\\n`).exec(s);
  assert.ok(obj, `object ${ref[1]} is a stream`);
  return pdfFile.subarray(obj.index + obj[0].length, obj.index + obj[0].length + Number(obj[1]));
}

test('documents that use only the stable characters embed the same subset; another glyph is added after them', async () => {
  const a = await pdfBytes('Alpha beta 123, σ ≤ 4 (fine).');
  const b = await pdfBytes('Other words: x₁ − ½ ≈ 0.25 → done!');
  const c = await pdfBytes('Zeta: ζ = 3, then Alpha.');
  for (const key of ['/FontFile2', '/ToUnicode']) {
    assert.ok(streamOf(a, key).equals(streamOf(b, key)), `${key}: the same bytes for different texts of stable characters`);
    assert.ok(!streamOf(a, key).equals(streamOf(c, key)), `${key}: a document with ζ has a subset of its own`);
  }
  const dir = tempDir('stable');
  writeFileSync(join(dir, 'c.pdf'), c);
  assert.match(execFileSync('pdftotext', [join(dir, 'c.pdf'), '-'], { encoding: 'utf8' }), /Zeta: ζ = 3, then Alpha\./);
});

test('ToUnicode maps: the shared writer gives pdfkit’s text (ranges of 256, ligatures, characters beyond U+FFFF)', () => {
  const doc = new PDFDocument({ font: null as unknown as string });
  registerFonts(doc);
  const ef = (doc as unknown as { _font: object })._font;
  const pdfkits = (Object.getPrototypeOf(ef) as { toUnicodeCmap(this: object): unknown }).toUnicodeCmap;
  const rng = seedrandom('cmaps');
  for (const n of [1, 2, 255, 256, 257, 300, 513, 700]) {
    const unicode = Array.from({ length: n }, () => Array.from({ length: 1 + Math.floor(rng() * 3) }, () => (rng() < 0.1 ? 0x10000 + Math.floor(rng() * 0xfffff) : Math.floor(rng() * 0xffff))));
    let text: unknown;
    pdfkits.call({ unicode, document: { ref: () => ({ end: (t: unknown) => (text = t) }) } });
    assert.equal(unicodeMapTextForTest(unicode), text, `${n} glyphs`);
  }
});

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
