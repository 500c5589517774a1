/**
 * Exam paper and answer key for one variant. Both use the same layout; the key writes the answers
 * into the answer areas and adds the worked solution under each question.
 */
import { fmtDecimal } from '../../core/exact.js';
import { answerFromJson, formatAnswer, type AnswerJson, type PartJson } from '../../core/answer.js';
import type { BlockJson, ExamDoc, QuestionDoc, VariantDoc } from '../../exam/types.js';
import { answerArea, answerTable, partLabel } from './answers.js';
import { ACCENT, Flow, INK, MUTED, RULE, brackets, row, spacer, stack, text, type Element } from './layout.js';
import { drawLabel, drawText, heightOfText } from './lines.js';
import { typeset } from './richtext.js';

export type RenderMode = 'paper' | 'key';

export function pdfDate(exam: Pick<ExamDoc, 'exam'>): Date {
  // A fixed date keeps the bytes identical between runs; the exam date when there is one.
  const d = exam.exam.date && /^\d{4}-\d{2}-\d{2}$/.test(exam.exam.date) ? new Date(`${exam.exam.date}T08:00:00Z`) : new Date('2000-01-01T00:00:00Z');
  return Number.isNaN(d.getTime()) ? new Date('2000-01-01T00:00:00Z') : d;
}

function fmtPoints(p: number): string {
  const r = Math.round(p * 100) / 100;
  return `${r} point${r === 1 ? '' : 's'}`;
}

/**
 * The title in bold, shrunk from 17 pt (down to 12 pt) to fit one line beside the variant-code box;
 * a title longer still wraps, and the lines below it move down.
 */
function titleLayout(doc: PDFKit.PDFDocument, title: string, width: number): { size: number; height: number } {
  doc.font('bold');
  let size = 17;
  while (size > 12 && doc.fontSize(size).widthOfString(title) > width) size -= 0.5;
  doc.fontSize(size);
  return { size, height: heightOfText(doc, title, { width }) };
}

function header(exam: ExamDoc, v: VariantDoc, mode: RenderMode): Element {
  const e = exam.exam;
  const meta = [e.date, e.duration, `${fmtPoints(exam.totalPoints)} in total`].filter(Boolean).join('   ·   ');
  const title = mode === 'key' ? `${e.title} — ANSWER KEY` : e.title;
  // Below the title: 5 pt, the meta line, then the rule; the variant-code box is 48 pt high.
  const extra = (titleHeight: number) => Math.max(0, Math.ceil(titleHeight - 22));
  return {
    height: (doc, width) => 78 + extra(titleLayout(doc, title, width - 130).height),
    draw(doc, x, y, width) {
      const t = titleLayout(doc, title, width - 130);
      const more = extra(t.height);
      doc.font('bold').fontSize(10).fillColor(MUTED);
      drawText(doc, e.course, x, y, { width: width - 130 });
      doc.font('bold').fontSize(t.size).fillColor(INK);
      drawText(doc, title, x, y + 15, { width: width - 130 });
      doc.font('sans').fontSize(9.5).fillColor(MUTED);
      drawText(doc, meta, x, y + 40 + more, { width: width - 130 });
      // Variant code, top right.
      const bw = 118;
      doc.save().lineWidth(1.2).strokeColor(INK).rect(x + width - bw, y, bw, 48).stroke().restore();
      doc.font('sans').fontSize(8).fillColor(MUTED);
      drawText(doc, 'VARIANT CODE', x + width - bw, y + 6, { width: bw, align: 'center' });
      doc.font('monoBold').fontSize(20).fillColor(INK);
      drawText(doc, v.code, x + width - bw, y + 19, { width: bw, align: 'center', lineBreak: false });
      doc.save().strokeColor(INK).lineWidth(1).moveTo(x, y + 66 + more).lineTo(x + width, y + 66 + more).stroke().restore();
    },
  };
}

function identityBoxes(): Element {
  return {
    height: () => 30,
    draw(doc, x, y, width) {
      doc.font('bold').fontSize(10).fillColor(INK);
      drawLabel(doc, 'Name', x, y + 8);
      doc.save().lineWidth(0.7).strokeColor(INK).rect(x + 38, y, width * 0.5 - 50, 24).stroke().restore();
      const sx = x + width * 0.5;
      doc.font('bold').fontSize(10);
      drawLabel(doc, 'Student ID', sx, y + 8);
      const cells = 9;
      const cw = Math.min(21, (width * 0.5 - 70) / cells);
      for (let i = 0; i < cells; i++) doc.save().lineWidth(0.7).strokeColor(INK).rect(sx + 66 + i * cw, y, cw, 24).stroke().restore();
    },
  };
}

function framed(inner: Element, pad = 7, fill = '#f4f4f4'): Element {
  return {
    height: (doc, width) => inner.height(doc, width - 2 * pad) + 2 * pad,
    draw(doc, x, y, width) {
      const h = inner.height(doc, width - 2 * pad) + 2 * pad;
      doc.save().rect(x, y, width, h).fill(fill).restore();
      doc.save().lineWidth(0.5).strokeColor(RULE).rect(x, y, width, h).stroke().restore();
      inner.draw(doc, x + pad, y + pad, width - 2 * pad);
    },
  };
}

function instructions(exam: ExamDoc, mode: RenderMode): Element {
  const items: Element[] = [text('Instructions', { font: 'bold', size: 10 })];
  if (exam.exam.instructions) items.push(text(exam.exam.instructions, { size: 9 }));
  items.push(text(exam.exam.tolerancePolicy, { size: 9 }));
  if (mode === 'key')
    items.push(text('Answer key: every answer was solved exactly and verified by an independent TensorFlow.js computation before printing.', { size: 9, color: ACCENT }));
  return framed(stack(items, 3));
}

function matrixBlock(name: string, cells: string[][]): Element {
  const cellW = (doc: PDFKit.PDFDocument) => {
    doc.font('sans').fontSize(10);
    return Math.max(22, ...cells.flat().map((c) => doc.widthOfString(c) + 12));
  };
  const rowH = 15;
  return {
    height: () => cells.length * rowH + 6,
    draw(doc, x, y) {
      const label = `${typeset(name)} =`;
      doc.font('sans').fontSize(10.5).fillColor(INK);
      const lw = doc.widthOfString(label) + 8;
      const h = cells.length * rowH + 6;
      drawLabel(doc, label, x + 12, y + h / 2 - 6);
      const cw = cellW(doc);
      const w = (cells[0]?.length ?? 0) * cw + 8;
      brackets(doc, x + 12 + lw, y, w, h);
      cells.forEach((r, i) =>
        r.forEach((c, j) => drawText(doc.font('sans').fontSize(10).fillColor(INK), c, x + 12 + lw + 4 + j * cw, y + 4 + i * rowH, { width: cw, align: 'center', lineBreak: false })),
      );
    },
  };
}

function tableBlock(head: string[], rows: string[][]): Element {
  const rowH = 14;
  return {
    height: () => (rows.length + 1) * rowH + 4,
    draw(doc, x, y) {
      doc.font('sans').fontSize(9.5);
      const widths = head.map((h, i) => Math.max(doc.widthOfString(typeset(h)), ...rows.map((r) => doc.widthOfString(typeset(r[i] ?? '')))) + 16);
      let cx = x + 12;
      head.forEach((h, i) => {
        doc.font('bold').fontSize(9.5).fillColor(INK);
        drawText(doc, typeset(h), cx, y + 2, { width: widths[i]!, lineBreak: false });
        cx += widths[i]!;
      });
      const total = widths.reduce((a, b) => a + b, 0);
      doc.save().strokeColor(RULE).lineWidth(0.6).moveTo(x + 12, y + rowH).lineTo(x + 12 + total, y + rowH).stroke().restore();
      rows.forEach((r, ri) => {
        cx = x + 12;
        r.forEach((c, i) => {
          doc.font('sans').fontSize(9.5).fillColor(INK);
          drawText(doc, typeset(c), cx, y + 4 + (ri + 1) * rowH, { width: widths[i]!, lineBreak: false });
          cx += widths[i]!;
        });
      });
    },
  };
}

function block(b: BlockJson): Element {
  if (b.kind === 'matrix') return matrixBlock(b.name, b.value);
  if (b.kind === 'vector') return matrixBlock(b.name, [b.value]);
  return tableBlock(b.header, b.rows);
}

/** Multiple-choice options, one per line: "○ A  text" (key: ● on the right one). */
function optionList(q: QuestionDoc, mode: RenderMode): Element {
  const answer = q.parts[0]!.answer;
  const right = answer.kind === 'choice' ? answer.value : undefined;
  const items = (q.options ?? []).map((o, i) => {
    const letter = String.fromCharCode(65 + i);
    const on = mode === 'key' && letter === right;
    return text(`${on ? '●' : '○'}  ${letter}.  ${o}`, { size: 10, indent: 12, color: on ? ACCENT : INK, font: on ? 'bold' : 'sans' });
  });
  return stack(items, 3);
}

function answerParts(parts: PartJson[], mode: RenderMode): Element[] {
  const out: Element[] = [];
  for (let i = 0; i < parts.length; ) {
    const p = parts[i]!;
    if (p.table) {
      let j = i;
      while (j < parts.length && parts[j]!.table) j++;
      out.push(answerTable(parts.slice(i, j), mode));
      i = j;
      continue;
    }
    out.push(row(text(partLabel(p), { size: 9.5 }), 190, answerArea(p, mode)));
    i++;
  }
  return out;
}

function questionElements(q: QuestionDoc, mode: RenderMode): Element[] {
  const head: Element = {
    height: () => 16,
    draw(doc, x, y, width) {
      doc.font('bold').fontSize(11.5).fillColor(INK);
      drawLabel(doc, `Question ${q.number}`, x, y);
      doc.font('sans').fontSize(9).fillColor(MUTED);
      drawText(doc, `${fmtPoints(q.points)}  ·  ${q.title}`, x, y + 2.5, { width, align: 'right', lineBreak: false });
    },
  };
  const els: Element[] = [head, text(q.text, { size: 10.5 })];
  for (const b of q.blocks) els.push(block(b));
  if (q.convention) els.push(text(`Convention: ${q.convention}`, { font: 'italic', size: 8.5, color: MUTED }));
  els.push(spacer(2));
  if (q.format === 'choice') {
    els.push(optionList(q, mode));
    if (mode === 'paper') els.push(text('Mark one option.', { font: 'italic', size: 8, color: MUTED }));
  } else els.push(...answerParts(q.parts, mode));
  if (mode === 'key') {
    const steps = q.steps.map((s, i) => text(`${i + 1}. ${s}`, { size: 8.5, indent: 10 }));
    els.push(text('Worked solution', { font: 'bold', size: 9.5, color: ACCENT }), ...steps);
    if (q.verification) els.push(text(`✓ Verified independently: ${q.verification.method}`, { size: 7.5, color: MUTED, indent: 10 }));
    if (q.mistakes.length)
      els.push(
        text(
          `Typical wrong answers: ${q.mistakes.map((m) => `${m.label} → ${mistakeSummary(m.answers, q.parts)}`).join('  |  ')}`,
          { size: 7.5, color: MUTED, indent: 10 },
        ),
      );
  }
  return els;
}

/**
 * "L1.shape (None, 98, 98, 8); total 93528 …" — at most three parts per mistake. Where the part
 * asks for decimals, a wrong answer is shown as the student would write it (rounded), not as an
 * unwieldy exact fraction.
 */
function mistakeSummary(answers: Record<string, AnswerJson>, parts: readonly PartJson[]): string {
  const entries = Object.entries(answers);
  const text = (k: string, a: AnswerJson) => {
    const decimals = parts.find((p) => p.id === k)?.decimals;
    if (decimals !== undefined) {
      // Fractions and roots as the rounded decimals the question asks for; integers as they are.
      const show = (exact: string, value: number) => (/[/√]/.test(exact) ? fmtDecimal(value, decimals) : exact);
      if (a.kind === 'scalar') return show(a.exact, a.value);
      if (a.kind === 'vector') return `[${a.exact.map((e, i) => show(e, a.value[i]!)).join(', ')}]`;
      if (a.kind === 'matrix') return `[${a.exact.map((r, i) => `[${r.map((e, j) => show(e, a.value[i]![j]!)).join(', ')}]`).join(', ')}]`;
    }
    return formatAnswer(answerFromJson(a));
  };
  const listed = entries.slice(0, 3).map(([k, a]) => `${k} ${text(k, a)}`);
  return `${listed.join('; ')}${entries.length > 3 ? ` (+${entries.length - 3} more)` : ''}`;
}

function sectionHeading(title: string): Element {
  return {
    height: () => 22,
    draw(doc, x, y, width) {
      doc.font('bold').fontSize(12.5).fillColor(INK);
      drawText(doc, typeset(title), x, y + 4, { width, lineBreak: false });
      doc.save().strokeColor(RULE).lineWidth(0.6).moveTo(x, y + 20).lineTo(x + width, y + 20).stroke().restore();
    },
  };
}

function separator(): Element {
  return {
    height: () => 8,
    draw(doc, x, y, width) {
      doc.save().strokeColor('#dddddd').lineWidth(0.5).moveTo(x, y + 4).lineTo(x + width, y + 4).stroke().restore();
    },
  };
}

/** Render one variant's paper or key to `file` (written when the document is complete; nothing is kept after). */
export async function renderVariantPdf(exam: ExamDoc, v: VariantDoc, mode: RenderMode, file: string): Promise<void> {
  const flow = new Flow(file, {
    size: exam.exam.paper,
    margin: 50,
    date: pdfDate(exam),
    title: `${exam.exam.title}${mode === 'key' ? ' — answer key' : ''} (${v.code})`,
    subject: exam.exam.course,
    footer: (page, pages) => ({ left: `${exam.exam.course} — ${exam.exam.title}${mode === 'key' ? ' — KEY' : ''}`, center: `Page ${page} of ${pages}`, right: `Variant ${v.code}` }),
  });
  flow.place(header(exam, v, mode), 4);
  if (mode === 'paper') flow.place(identityBoxes(), 10);
  flow.place(instructions(exam, mode), 12);
  let section = -1;
  for (const q of v.questions) {
    const els = questionElements(q, mode);
    if (q.section !== section) {
      section = q.section;
      els.unshift(sectionHeading(`Section ${section + 1} — ${exam.sections[section]!.title}`));
    } else els.unshift(separator());
    // A question stays on one page on the paper; a long worked solution in a key may continue.
    if (mode === 'paper') flow.place(stack(els, 5), 10);
    else flow.placeGroup(els, 5, 10);
  }
  if (mode === 'paper') flow.place(text('— End of exam —', { size: 9, color: MUTED, align: 'center' }));
  await flow.finish();
}
