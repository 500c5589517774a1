/** Embedded open fonts (DejaVu, from the dejavu-fonts-ttf npm package): σ ∂ √ ≥ × ⌊⌋ and subscripts render. */
import { createRequire } from 'node:module';
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

export function registerFonts(doc: PDFKit.PDFDocument): void {
  for (const [name, path] of Object.entries(FONTS)) doc.registerFont(name, path);
}
