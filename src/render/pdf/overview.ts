/** Instructor overview: every variant's code and short answers on as few pages as possible. */
import { shortAnswer } from '../../exam/output.js';
import type { ExamDoc } from '../../exam/types.js';
import { Flow, INK, MUTED, RULE, text, type Element } from './layout.js';
import { drawText } from './lines.js';
import { pdfDate } from './paper.js';

export async function renderOverviewPdf(exam: ExamDoc, file: string): Promise<void> {
  const flow = new Flow(file, {
    size: exam.exam.paper,
    margin: 40,
    date: pdfDate(exam),
    title: `${exam.exam.title} — instructor overview`,
    subject: exam.exam.course,
    footer: (page, pages) => ({ left: `${exam.exam.course} — ${exam.exam.title} — overview`, center: `Page ${page} of ${pages}`, right: 'INSTRUCTOR ONLY' }),
  });
  flow.place(text(`${exam.exam.title} — instructor overview`, { font: 'bold', size: 15 }), 2);
  flow.place(text(`${exam.exam.course} · ${exam.variants.length} variant(s) · ${exam.totalPoints} points · answers abbreviated; full answers in the per-variant keys`, { size: 9, color: MUTED }), 8);
  const questions = exam.variants[0]?.questions ?? [];
  const line = (cells: string[], bold: boolean): Element => ({
    height: () => 13,
    draw(doc, x, y, width) {
      const codeW = 70;
      const w = (width - codeW) / Math.max(1, questions.length);
      doc.font(bold ? 'bold' : 'mono').fontSize(7.5).fillColor(INK);
      drawText(doc, cells[0]!, x, y + 2, { width: codeW - 2, lineBreak: false, ellipsis: true });
      doc.font(bold ? 'bold' : 'sans').fontSize(6.5);
      cells.slice(1).forEach((c, i) => drawText(doc, c, x + codeW + i * w, y + 3, { width: w - 4, lineBreak: false, ellipsis: true }));
      doc.save().strokeColor(RULE).lineWidth(0.3).moveTo(x, y + 13).lineTo(x + width, y + 13).stroke().restore();
    },
  });
  flow.place(line(['Variant', ...questions.map((q) => `Q${q.number}`)], true));
  for (const v of exam.variants) flow.place(line([`${v.number} ${v.code}`, ...v.questions.map((q) => shortAnswer(q.parts.map((p) => p.text)))], false));
  await flow.finish();
}
