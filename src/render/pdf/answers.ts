/**
 * Answer areas shaped by the answer type: one box per dimension of a shape, a bracketed grid for a
 * matrix, ○ options for multiple choice, ☐ for "tick all that apply", a table for model summaries.
 * In a key the same shapes are drawn with the answers written in.
 */
import type { AnswerJson, PartJson } from '../../core/answer.js';
import { fmtDecimal } from '../../core/exact.js';
import { ACCENT, INK, MUTED, RULE, brackets, stack, text, type Element } from './layout.js';
import { drawLabel, drawText } from './lines.js';
import { typeset } from './richtext.js';

const CELL_W = 48;
const CELL_H = 20;
const GAP = 6;

type Mode = 'paper' | 'key';

function box(doc: PDFKit.PDFDocument, x: number, y: number, w: number, h: number, value: string | undefined): void {
  doc.save().lineWidth(0.7).strokeColor(value === undefined ? INK : RULE).rect(x, y, w, h).stroke().restore();
  if (value !== undefined) {
    doc.font('bold').fontSize(fitSize(doc, value, w - 4, 9)).fillColor(ACCENT);
    drawText(doc, value, x + 2, y + (h - doc.currentLineHeight()) / 2 + 0.5, { width: w - 4, align: 'center', lineBreak: false });
  }
}

/** Shrink long values so they stay inside their box. */
function fitSize(doc: PDFKit.PDFDocument, s: string, width: number, size: number): number {
  let sz = size;
  doc.font('bold');
  while (sz > 5.5 && doc.fontSize(sz).widthOfString(s) > width) sz -= 0.5;
  return sz;
}

function cellWidth(doc: PDFKit.PDFDocument, values: readonly string[], mode: Mode): number {
  if (mode === 'paper') return CELL_W;
  doc.font('bold').fontSize(9);
  return Math.min(110, Math.max(CELL_W, ...values.map((v) => doc.widthOfString(v) + 10)));
}

function grid(rows: number, cols: number, values: string[][] | undefined, mode: Mode, bracket: boolean): Element {
  let cw = CELL_W;
  return {
    height: () => rows * CELL_H + (rows - 1) * 4 + (bracket ? 6 : 0),
    draw(doc, x, y) {
      cw = values ? cellWidth(doc, values.flat(), mode) : CELL_W;
      const w = cols * cw + (cols - 1) * 4 + (bracket ? 12 : 0);
      const h = rows * CELL_H + (rows - 1) * 4 + (bracket ? 6 : 0);
      if (bracket) brackets(doc, x, y, w, h);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) box(doc, x + (bracket ? 6 : 0) + c * (cw + 4), y + (bracket ? 3 : 0) + r * (CELL_H + 4), cw, CELL_H, values?.[r]?.[c]);
    },
  };
}

function inlineOptions(options: readonly string[], chosen: readonly string[] | undefined, square: boolean): Element {
  const mark = (on: boolean) => (square ? (on ? '☑' : '☐') : on ? '●' : '○');
  const s = options.map((o) => `${mark(chosen?.includes(o) ?? false)} ${o}`).join('     ');
  return text(s, { size: 10.5, color: chosen ? ACCENT : INK });
}

function shapeBoxes(dims: readonly (number | null)[], mode: Mode): Element {
  return {
    height: () => CELL_H,
    draw(doc, x, y, width) {
      // Boxes shrink to fit the space they are given (a model-summary table cell is narrow).
      const n = dims.filter((d) => d !== null).length;
      const fixed = 16 + dims.filter((d) => d === null).length * 30 + (dims.length - 1) * 8;
      const cw = Math.max(26, Math.min(CELL_W, (width - fixed) / Math.max(1, n)));
      let cx = x;
      doc.font('sans').fontSize(14).fillColor(INK);
      drawLabel(doc, '(', cx, y + 1);
      cx += 8;
      dims.forEach((d, i) => {
        if (d === null) {
          doc.font('sans').fontSize(10).fillColor(INK);
          drawLabel(doc, 'None', cx, y + 5);
          cx += 30;
        } else {
          box(doc, cx, y, cw, CELL_H, mode === 'key' ? String(d) : undefined);
          cx += cw;
        }
        if (i < dims.length - 1) {
          doc.font('sans').fontSize(12).fillColor(INK);
          drawLabel(doc, ',', cx + 1, y + 4);
          cx += 8;
        }
      });
      doc.font('sans').fontSize(14).fillColor(INK);
      drawLabel(doc, ')', cx + 1, y + 1);
    },
  };
}

function wideBox(value: string | undefined, hint?: string): Element {
  return {
    height: () => CELL_H + (hint ? 11 : 0),
    draw(doc, x, y, width) {
      let w = Math.min(width, 170);
      if (value !== undefined) {
        doc.font('bold').fontSize(9);
        w = Math.min(width, Math.max(w, doc.widthOfString(value) + 14));
      }
      box(doc, x, y, w, CELL_H, value);
      if (hint) {
        doc.font('italic').fontSize(7.5).fillColor(MUTED);
        drawText(doc, hint, x, y + CELL_H + 2, { width, lineBreak: false });
      }
    },
  };
}

/** In a key, irrational entries are shown as the decimals students write; the exact form goes below. */
function shown(part: PartJson, exact: readonly string[], values: readonly number[]): string[] {
  return exact.map((e, i) => (part.decimals !== undefined && (e.includes('√') || part.rounded) ? fmtDecimal(values[i]!, part.decimals) : e));
}

function withExactNote(inner: Element, part: PartJson, key: boolean, exact: readonly string[]): Element {
  if (!key || part.decimals === undefined || !exact.some((e) => e.includes('√'))) return inner;
  return stack([inner, text(`exact: ${exact.join(',  ')}`, { size: 7.5, color: ACCENT })], 2);
}

/** The area a student writes one part's answer in (or, in a key, the answer written in it). */
export function answerArea(part: PartJson, mode: Mode): Element {
  const a: AnswerJson = part.answer;
  const key = mode === 'key';
  switch (a.kind) {
    case 'scalar':
      return wideBox(key ? part.text : undefined);
    case 'vector':
      return withExactNote(grid(1, a.exact.length, key ? [shown(part, a.exact, a.value)] : undefined, mode, true), part, key, a.exact);
    case 'matrix':
      return withExactNote(
        grid(a.exact.length, a.exact[0]?.length ?? 0, key ? a.exact.map((r, i) => shown(part, r, a.value[i]!)) : undefined, mode, true),
        part,
        key,
        a.exact.flat(),
      );
    case 'shape':
      return shapeBoxes(a.value, mode);
    case 'choice':
      return inlineOptions(a.options, key ? [a.value] : undefined, false);
    case 'labels':
      return inlineOptions(a.options, key ? a.value : undefined, true);
    case 'set':
      return wideBox(key ? part.text : undefined, key ? undefined : 'list every value, separated by commas — or write “none”');
  }
}

export function partLabel(part: PartJson): string {
  const dec = part.decimals !== undefined ? ` (to ${part.decimals} decimal places)` : '';
  return typeset(`${part.label}${dec}`);
}

/** Consecutive parts with a `table` cell: one grid, rows × columns, each cell an answer area. */
export function answerTable(parts: readonly PartJson[], mode: Mode): Element {
  const rows = [...new Set(parts.map((p) => p.table!.row))];
  const cols = [...new Set(parts.map((p) => p.table!.column))];
  const cell = (r: string, c: string) => parts.find((p) => p.table!.row === r && p.table!.column === c);
  const rowH = CELL_H + 8;
  const headH = 16;
  return {
    height: () => headH + rows.length * rowH,
    draw(doc, x, y, width) {
      const firstW = Math.min(200, width * 0.38);
      const colW = (width - firstW) / cols.length;
      doc.font('bold').fontSize(9).fillColor(INK);
      drawText(doc, 'Layer', x + 2, y + 2, { width: firstW - 4, lineBreak: false });
      cols.forEach((c, i) => drawText(doc, c, x + firstW + i * colW + 2, y + 2, { width: colW - 4, lineBreak: false }));
      doc.save().strokeColor(RULE).lineWidth(0.6).moveTo(x, y + headH - 2).lineTo(x + width, y + headH - 2).stroke().restore();
      rows.forEach((r, ri) => {
        const ry = y + headH + ri * rowH;
        doc.font('sans').fontSize(8.5).fillColor(INK);
        drawText(doc, typeset(r), x + 2, ry + 6, { width: firstW - 4, lineBreak: false, ellipsis: true });
        cols.forEach((c, ci) => {
          const p = cell(r, c);
          if (p) answerArea(p, mode).draw(doc, x + firstW + ci * colW, ry + 2, colW - GAP);
        });
        doc.save().strokeColor('#dddddd').lineWidth(0.4).moveTo(x, ry + rowH).lineTo(x + width, ry + rowH).stroke().restore();
      });
    },
  };
}
