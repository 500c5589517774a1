/** Embedded open fonts (DejaVu, from the dejavu-fonts-ttf npm package): σ ∂ √ ≥ × ⌊⌋ and subscripts render. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const ttf = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

export const FONTS = {
  sans: join(ttf, 'DejaVuSans.ttf'),
  bold: join(ttf, 'DejaVuSans-Bold.ttf'),
  italic: join(ttf, 'DejaVuSans-Oblique.ttf'),
  mono: join(ttf, 'DejaVuSansMono.ttf'),
  monoBold: join(ttf, 'DejaVuSansMono-Bold.ttf'),
} as const;

export type FontName = keyof typeof FONTS;

// Parsing a 700 kB TrueType file is most of the cost of a small PDF: parse each font once per
// process and hand pdfkit the parsed fontkit object (it accepts any object with layout()).
const parsed = new Map<FontName, unknown>();

function fontObject(name: FontName): unknown {
  let f = parsed.get(name);
  if (!f) {
    f = fontkit.create(readFileSync(FONTS[name]));
    parsed.set(name, f);
  }
  return f;
}

export function registerFonts(doc: PDFKit.PDFDocument): void {
  for (const name of Object.keys(FONTS) as FontName[]) doc.registerFont(name, fontObject(name) as string);
}
