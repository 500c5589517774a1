import { test } from 'node:test';
import assert from 'node:assert/strict';
import PDFDocument from 'pdfkit';
import seedrandom from 'seedrandom';
import { FONTS, registerFonts, simpleCharactersForTest, type FontName } from '../../src/render/pdf/fonts.js';

interface Run {
  glyphs: { id: number; codePoints: number[] }[];
  positions: Record<string, number>[];
  advanceWidth: number;
}
interface ShapingFont {
  layoutRun(text: string): Run;
  layoutCached(text: string): Run;
}

/** A document's EmbeddedFont for `name`: `layoutRun` is pdfkit's (fontkit shaping), `layoutCached` the shared word runs. */
function shapingFont(name: FontName): ShapingFont {
  const doc = new PDFDocument({ font: null as unknown as string });
  registerFonts(doc);
  doc.font(name);
  return (doc as unknown as { _font: ShapingFont })._font;
}

const view = (r: Run) => ({
  glyphs: r.glyphs.map((g) => [g.id, g.codePoints]),
  positions: r.positions.map((p) => Object.fromEntries(Object.entries(p).sort(([a], [b]) => a.localeCompare(b)))),
  advanceWidth: r.advanceWidth,
});

test('words of digits and punctuation: joined character runs are exactly fontkit’s runs (glyphs, positions, width) in every font', () => {
  const random = seedrandom('shaping');
  const names = Object.keys(FONTS) as FontName[];
  for (const name of names) {
    const font = shapingFont(name);
    font.layoutCached('0'); // admits the characters of this font
    const simple = simpleCharactersForTest(name);
    // The digits, the decimal point and the minus sign are admitted in every DejaVu font we use.
    for (const c of '0123456789.−') assert.ok(simple.includes(c), `${name}: ${c} admitted (got "${simple}")`);
    // Words of admitted characters, some mixed with letters (shaped by fontkit: kerning such as "7." after "T").
    const pool = `${simple}${simple}TAVWYfil`;
    for (let i = 0; i < 1500; i++) {
      const n = 1 + Math.floor(random() * 9);
      let word = '';
      for (let k = 0; k < n; k++) word += pool[Math.floor(random() * pool.length)];
      if (word.trim() !== word.trimEnd() || word.slice(0, -1).includes(' ')) word = word.replaceAll(' ', '') || '0'; // one piece: at most a trailing space
      const ours = font.layoutCached(word);
      const fontkit = font.layoutRun(word);
      assert.deepEqual(view(ours), view(fontkit), `${name}: "${word}"`);
      assert.equal(ours.advanceWidth, fontkit.advanceWidth, `${name}: width of "${word}" to the bit`);
    }
  }
});

test('everyPair holds every ordered pair of its characters exactly once', async () => {
  const { everyPair } = await import('../../src/render/pdf/fonts.js');
  const chars = [...'ab1.−'].map((c) => c.charCodeAt(0));
  const s = everyPair(chars);
  assert.equal(s.length, chars.length ** 2 + 1);
  const seen = new Map<string, number>();
  for (let i = 0; i + 1 < s.length; i++) seen.set(s.slice(i, i + 2), (seen.get(s.slice(i, i + 2)) ?? 0) + 1);
  assert.equal(seen.size, chars.length ** 2);
  assert.ok([...seen.values()].every((n) => n === 1));
});

test('simpleCharacters drops both characters of a pair that kerns, and admits none after a three-glyph rule', async () => {
  const { simpleCharacters } = await import('../../src/render/pdf/fonts.js');
  const glyphs = new Map<string, { id: number; codePoints: number[]; advanceWidth: number }>();
  const glyph = (c: string) => glyphs.get(c) ?? glyphs.set(c, { id: c.charCodeAt(0), codePoints: [c.charCodeAt(0)], advanceWidth: 500 }).get(c)!;
  /** A fake shaper: every character 500 wide; "7" followed by "/" kerns by −40; optionally a third digit in a row is moved up. */
  const fake = (threeGlyphRule: boolean) => (text: string) => {
    const chars = [...text];
    return {
      glyphs: chars.map(glyph),
      positions: chars.map((c, i) => {
        const kern = c === '7' && chars[i + 1] === '/' ? -40 : 0;
        const digit = (d: string | undefined) => d !== undefined && d >= '0' && d <= '9';
        const ctx = threeGlyphRule && i >= 2 && digit(c) && digit(chars[i - 1]) && digit(chars[i - 2]) ? 7 : 0;
        return { xAdvance: 500 + kern, yAdvance: 0, xOffset: ctx, yOffset: 0, advanceWidth: 500 };
      }),
      get advanceWidth() {
        return this.positions.reduce((a, p) => a + p.xAdvance, 0);
      },
    };
  };
  const admitted = simpleCharacters(fake(false));
  assert.ok(admitted);
  const chars = String.fromCharCode(...admitted.keys());
  assert.ok(!chars.includes('7') && !chars.includes('/'), chars);
  assert.ok(chars.includes('1') && chars.includes('8') && chars.includes('.'), chars);
  // Every pair alone is shaped as joined, but words with three digits in a row are not: nothing is admitted.
  const seen: string[] = [];
  const withRule = fake(true);
  const r = simpleCharacters((t) => {
    seen.push(t);
    return withRule(t);
  });
  assert.equal(r, null);
  assert.ok(seen.some((t) => t.length === 2)); // the pairs were tried one by one
});
