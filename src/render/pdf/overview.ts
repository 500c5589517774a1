/** Instructor overview: every variant's code and short answers on as few pages as possible. */
import { renameSync, rmSync } from 'node:fs';
import { shortAnswer, type OverviewVariant } from '../../exam/output.js';
import type { ExamDoc } from '../../exam/types.js';
import { Flow, INK, MUTED, RULE, text, type Element } from './layout.js';
import { drawText } from './lines.js';
import { pdfDate } from './paper.js';

/**
 * The overview written as the variants arrive (in order): a line per variant as it is added, the
 * footers and the file at finish(). `dlexam generate` adds each variant as its share of the other
 * files is written, so the overview is not left to the end, when the other threads have stopped.
 */
export class OverviewPdf {
  private readonly flow: Flow;
  /** Written here, renamed to the file by finish() (no partial overview is left behind). */
  private readonly partial: string;
  /** The question columns (variant 1's questions), once the first variant is in. */
  private questions: { number: number }[] | undefined;

  constructor(
    shell: Omit<ExamDoc, 'variants'>,
    variants: number,
    private readonly file: string,
  ) {
    this.partial = `${file}.${process.pid}.partial`;
    this.flow = new Flow(this.partial, {
      size: shell.exam.paper,
      margin: 40,
      date: pdfDate(shell),
      title: `${shell.exam.title} — instructor overview`,
      subject: shell.exam.course,
      footer: (page, pages) => ({ left: `${shell.exam.course} — ${shell.exam.title} — overview`, center: `Page ${page} of ${pages}`, right: 'INSTRUCTOR ONLY' }),
    });
    this.flow.place(text(`${shell.exam.title} — instructor overview`, { font: 'bold', size: 15 }), 2);
    this.flow.place(text(`${shell.exam.course} · ${variants} variant(s) · ${shell.totalPoints} points · answers abbreviated; full answers in the per-variant keys`, { size: 9, color: MUTED }), 8);
  }

  private line(cells: string[], bold: boolean): Element {
    const columns = Math.max(1, this.questions!.length);
    return {
      height: () => 13,
      draw(doc, x, y, width) {
        const codeW = 70;
        const w = (width - codeW) / columns;
        doc.font(bold ? 'bold' : 'mono').fontSize(7.5).fillColor(INK);
        drawText(doc, cells[0]!, x, y + 2, { width: codeW - 2, lineBreak: false, ellipsis: true });
        doc.font(bold ? 'bold' : 'sans').fontSize(6.5);
        cells.slice(1).forEach((c, i) => drawText(doc, c, x + codeW + i * w, y + 3, { width: w - 4, lineBreak: false, ellipsis: true }));
        doc.save().strokeColor(RULE).lineWidth(0.3).moveTo(x, y + 13).lineTo(x + width, y + 13).stroke().restore();
      },
    };
  }

  /** The column headings: variant 1's questions (none when there is no variant). */
  private head(first: OverviewVariant | undefined): void {
    this.questions = first?.questions ?? [];
    this.flow.place(this.line(['Variant', ...this.questions.map((q) => `Q${q.number}`)], true));
  }

  /** The next variant's line. */
  add(v: OverviewVariant): void {
    if (this.questions === undefined) this.head(v);
    this.flow.place(this.line([`${v.number} ${v.code}`, ...v.questions.map((q) => shortAnswer(q.parts.map((p) => p.text)))], false));
  }

  async finish(): Promise<void> {
    if (this.questions === undefined) this.head(undefined);
    await this.flow.finish();
    renameSync(this.partial, this.file);
  }

  /** After a failure: the partial file is closed and removed (in the background). */
  discard(): void {
    this.flow
      .abandon()
      .catch(() => {})
      .finally(() => rmSync(this.partial, { force: true }));
  }
}

export async function renderOverviewPdf(exam: ExamDoc, file: string): Promise<void> {
  const overview = new OverviewPdf(exam, exam.variants.length, file);
  for (const v of exam.variants) overview.add(v);
  await overview.finish();
}
