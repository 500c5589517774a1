/**
 * wrap.ts against pdfkit's own line wrapper (`_text` with a line callback, as heightOfString runs
 * it): the same lines — text, textWidth (bit for bit) and wordCount — for every string real exams
 * wrap, in every font at several sizes and widths (narrow ones cut long words by characters), for
 * hand-made edge cases and for random strings of awkward characters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import PDFDocument from 'pdfkit';
import seedrandom from 'seedrandom';
import { generateExam } from '../../src/exam/generate.js';
import { FONTS, registerFonts, type FontName } from '../../src/render/pdf/fonts.js';
import { recordWrapsForTest, wrapForTest } from '../../src/render/pdf/lines.js';
import { tempDir } from '../tmp.js';

const NAMES = Object.keys(FONTS) as FontName[];

function newDoc(): PDFKit.PDFDocument {
  const doc = new PDFDocument({ font: null as unknown as string });
  registerFonts(doc);
  return doc;
}

/** Compares wrap.ts with pdfkit for `s` at `width` in `font` and `size`; returns a description of a difference, if any. */
function differs(doc: PDFKit.PDFDocument, font: FontName, size: number, width: number, s: string): string | undefined {
  doc.font(font).fontSize(size);
  const { ours, pdfkit } = wrapForTest(doc, s, width);
  if (ours === null) return `${font} ${size} ${width} ${JSON.stringify(s)}: wrap.ts not used`;
  try {
    // deepStrictEqual compares numbers with Object.is: textWidth must be the same float, even its sign.
    assert.deepStrictEqual(ours, pdfkit);
    return undefined;
  } catch {
    return `${font} ${size} ${width} ${JSON.stringify(s)}:\n  ours   ${JSON.stringify(ours)}\n  pdfkit ${JSON.stringify(pdfkit)}`;
  }
}

function check(cases: Iterable<[FontName, number, number, string]>): number {
  const doc = newDoc();
  const bad: string[] = [];
  let n = 0;
  for (const [font, size, width, s] of cases) {
    n++;
    const d = differs(doc, font, size, width, s);
    if (d !== undefined && bad.push(d) >= 5) break;
  }
  assert.deepEqual(bad, [], `${bad.length} difference(s) in ${n} strings`);
  return n;
}

test('wrap.ts gives pdfkit’s lines for every string of real exams, at their widths and in every font at other sizes and widths', async (t) => {
  // Every (font, size, width, string) the renderer wraps while generating papers and keys.
  const seen = new Map<string, [FontName, number, number, string]>();
  const doc = newDoc();
  const fontOf = new Map<string, FontName>();
  for (const f of NAMES) fontOf.set((doc.font(f) as unknown as { _font: { name: string } })._font.name, f);
  recordWrapsForTest((d, s, width) => {
    const { _font, _fontSize } = d as unknown as { _font: { name: string }; _fontSize: number };
    const font = fontOf.get(_font.name)!;
    seen.set(JSON.stringify([font, _fontSize, width, s]), [font, _fontSize, width, s]);
  });
  try {
    const out = tempDir('wrap');
    const specs: [string, number][] = [
      ['bench/bench-spec.yaml', 30],
      ['question-banks/cnn-midterm.yaml', 10],
      ['question-banks/ml-stats-quiz.yaml', 10],
      ['question-banks/rnn-optimisation-quiz.yaml', 10],
    ];
    for (const [spec, variants] of specs) await generateExam({ spec, variants, out, secret: 'wrap-corpus-secret-0123', banksDir: 'question-banks/mc', pdf: true, verify: false });
  } finally {
    recordWrapsForTest(undefined);
  }
  const corpus = [...seen.values()];
  assert.ok(corpus.length > 3000, `${corpus.length} wrapped strings recorded`);
  const sizes = [7.5, 10, 13];
  const widths = [4, 18, 60, 150, 400];
  const cases = function* (): Generator<[FontName, number, number, string]> {
    for (const [i, [font, size, width, s]] of corpus.entries()) {
      yield [font, size, width, s];
      // Each string once more in another font, size and width, so that all combinations occur.
      yield [NAMES[i % NAMES.length]!, sizes[Math.floor(i / NAMES.length) % sizes.length]!, widths[Math.floor(i / 15) % widths.length]!, s];
    }
  };
  const n = check(cases());
  assert.equal(n, 2 * corpus.length);
  t.diagnostic(`${corpus.length} wrapped strings (${new Set(corpus.map((c) => c[3])).size} distinct texts), ${n} comparisons`);
});

test('wrap.ts gives pdfkit’s lines for edge cases: empty, spaces, newlines, soft hyphens, long words, symbols', (t) => {
  const strings = [
    '',
    ' ',
    '     ',
    'trailing spaces   ',
    '   leading spaces',
    'two  spaces  between',
    'a',
    'Supercalifragilisticexpialidocious',
    'a Supercalifragilisticexpialidocious word in a sentence',
    'MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM',
    'line one\nline two',
    'ends with a newline\n',
    '\n',
    '\n\nblank lines\n\n',
    'windows\r\nnewline and a lone\rcarriage return',
    'a very long word after a newline\nSupercalifragilisticexpialidocious',
    'hy\u00ADphen\u00ADat\u00ADed words with soft hy\u00ADphens',
    'ends with a soft hyphen\u00AD',
    'soft hyphen before a newline\u00AD\nnext',
    'Supercalifragi\u00ADlisticexpiali\u00ADdocious',
    'tab\tseparated\tcolumns',
    'non\u00A0breaking\u00A0spaces between\u00A0words',
    'zero\u200Bwidth\u200Bspace and word\u2060joiner',
    'Greek: αβγ δεζ ηθι κλμ νξο πρσ τυφ χψω ΑΒΓΔ Σ Ω',
    'σ(x) = 1 / (1 + e^−x), ∂L/∂W = δ · xᵀ, √(a² + b²) ≥ 0, ⌊n/2⌋ × ⌈m/2⌉',
    'X₁₁ + W_xh·hₜ₋₁ + bₕ, x² + y³, Wₓₕ ∈ ℝ^{n×m}',
    'well-known input/output (cross-correlation), e.g. “quotes” — dashes – and… ellipses',
    '3.14159265358979323846 1e-5 −0.000123 1,234,567.89 100% $5',
    'emoji 😀 and CJK 中文文字 and kana あいう',
    'combining e\u0301 and ligatures ﬁ ﬂ',
    'x'.repeat(300),
    'word '.repeat(80),
  ];
  const widths = [0.5, 3, 7, 20, 45.5, 100, 250.25, 515.28];
  const cases = function* (): Generator<[FontName, number, number, string]> {
    for (const font of NAMES) for (const size of [6.5, 10, 17]) for (const width of widths) for (const s of strings) yield [font, size, width, s];
  };
  t.diagnostic(`${check(cases())} comparisons`);
});

test('wrap.ts gives pdfkit’s lines for random strings of awkward characters at random widths', () => {
  const rng = seedrandom('wrap-fuzz');
  const atoms = ['a', 'b', 'W', 'm', 'i', ' ', ' ', ' ', '  ', '\n', '\r\n', '\t', '\u00AD', '\u00A0', '-', '—', '/', '(', ')', ',', '.', 'σ', '∂', '√', '≥', '×', 'x₁₁', 'ᵀ', '²', '0', '7', '3.14', '\u200B', '😀', '中', 'é', 'MMMMMMMMMMMMMMMM', 'longwordwithoutbreaks', 'Super\u00ADcali\u00ADfragilistic'];
  const cases = function* (): Generator<[FontName, number, number, string]> {
    for (let k = 0; k < 6000; k++) {
      let s = '';
      for (let i = Math.floor(rng() * 25); i > 0; i--) s += atoms[Math.floor(rng() * atoms.length)];
      const r = rng();
      const width = r < 0.3 ? rng() * 10 : r < 0.6 ? rng() * 80 : rng() * 500;
      yield [NAMES[Math.floor(rng() * NAMES.length)]!, [6.5, 8, 10, 11.5, 14][Math.floor(rng() * 5)]!, width, s];
    }
  };
  check(cases());
});

test('wrap.ts is not used where pdfkit would not wrap as it does: no width, or a continued text in progress', () => {
  const doc = newDoc();
  doc.font('sans').fontSize(10);
  assert.ok(wrapForTest(doc, 'some text', 100).ours, 'used for a plain wrap');
  assert.equal(wrapForTest(doc, 'some text', 0).ours, null, 'width 0: pdfkit splits at newlines only');
  doc.text('first part ', 72, 72, { width: 200, continued: true });
  assert.equal(wrapForTest(doc, 'some text', 100).ours, null, 'a continued text carries its wrapper and options over');
});
