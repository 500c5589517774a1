/**
 * Moodle XML export. One category per question number ($course$/dlexam/<exam>/Q<n>) holding that
 * question in every variant, so a Moodle quiz can draw a random variant per student:
 * - one scalar part → `numerical` (tolerance from the part, or what decimals allow),
 * - several parts / vectors / matrices / shapes → `cloze` with one NUMERICAL blank per component,
 * - multiple choice → `multichoice` (single answer), the key's shuffle kept.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AnswerJson, PartJson } from '../../core/answer.js';
import type { ExamDoc, QuestionDoc, VariantDoc } from '../../exam/types.js';
import { escapeHtml, questionHtml } from '../html.js';
import { typeset } from '../pdf/richtext.js';

const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
const xmlText = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

/** Moodle numerical answers are decimals: a tolerance that accepts the exact value typed as a decimal. */
export function numericTolerance(value: number, part: PartJson): number {
  if (part.tolerance?.abs !== undefined) return part.tolerance.abs;
  if (part.tolerance?.rel !== undefined) return Math.abs(value) * part.tolerance.rel;
  if (Number.isInteger(value)) return 0;
  // A non-integer exact fraction: accept 3 correct decimals (the paper's policy asks for exact or 3 d.p.).
  return Number.isInteger(value * 1000) ? 0 : 0.0005;
}

const num = (v: number) => String(Math.round(v * 1e9) / 1e9);

/** Cloze: escape the characters that mean something inside {…}. */
const clozeEscape = (s: string) => s.replace(/([}#~/"\\])/g, '\\$1');

function components(a: AnswerJson): number {
  if (a.kind === 'matrix') return Math.max(1, a.value.flat().length);
  if (a.kind === 'vector' || a.kind === 'set') return Math.max(1, a.value.length);
  if (a.kind === 'shape') return Math.max(1, a.value.filter((d) => d !== null).length);
  return 1;
}

/** One cloze blank per component; weights follow the part's points, split over its components. */
function clozeBlanks(part: PartJson & { points: number }): string {
  const a: AnswerJson = part.answer;
  const w = Math.max(1, Math.round((part.points * 100) / components(a)));
  const blank = (v: number) => `{${w}:NUMERICAL:=${num(v)}:${num(numericTolerance(v, part))}}`;
  switch (a.kind) {
    case 'scalar':
      return blank(a.value);
    case 'vector':
      return `[ ${a.value.map(blank).join(' , ')} ]`;
    case 'set':
      // Moodle cannot grade an unordered set; ask for the values in increasing order.
      return a.value.length ? `${[...a.value].sort((x, y) => x - y).map(blank).join(' , ')} <em>(increasing order)</em>` : `{${w}:SHORTANSWER:=none}`;
    case 'matrix':
      return `<table>${a.value.map((r) => `<tr>${r.map((v) => `<td>${blank(v)}</td>`).join('')}</tr>`).join('')}</table>`;
    case 'shape':
      return `( ${a.value.map((d) => (d === null ? 'None' : blank(d))).join(' , ')} )`;
    case 'choice':
      return `{${w}:MULTICHOICE:${a.options.map((o) => `${o === a.value ? '=' : ''}${clozeEscape(o)}`).join('~')}}`;
    case 'labels': {
      const right = a.value.length;
      const wrong = a.options.length - right;
      const w = (o: string) => (a.value.includes(o) ? `%${Math.round((100 / right) * 1e5) / 1e5}%` : `%-${wrong ? Math.round((100 / wrong) * 1e5) / 1e5 : 100}%`);
      return `{${w}:MULTIRESPONSE:${a.options.map((o) => `${w(o)}${clozeEscape(o)}`).join('~')}}`;
    }
  }
}

function stepsHtml(q: QuestionDoc): string {
  return `<ol>${q.steps.map((s) => `<li>${escapeHtml(typeset(s))}</li>`).join('')}</ol>`;
}

function questionXml(q: QuestionDoc, v: VariantDoc): string {
  const name = `<name><text>${xmlText(`Q${q.number} ${q.title} — variant ${v.code}`)}</text></name>`;
  const feedback = `<generalfeedback format="html"><text>${cdata(stepsHtml(q))}</text></generalfeedback>`;
  const grade = `<defaultgrade>${num(q.points)}</defaultgrade><penalty>0</penalty><hidden>0</hidden><idnumber>${xmlText(`${v.code}-Q${q.number}`)}</idnumber>`;
  if (q.format === 'choice') {
    const right = q.parts[0]!.answer;
    const letter = right.kind === 'choice' ? right.value : '';
    const answers = (q.options ?? [])
      .map((o, i) => {
        const l = String.fromCharCode(65 + i);
        const m = q.mistakes.find((x) => x.answers['choice']?.kind === 'choice' && (x.answers['choice'] as { value: string }).value === l);
        return `<answer fraction="${l === letter ? 100 : 0}" format="html"><text>${cdata(escapeHtml(typeset(o)))}</text><feedback format="html"><text>${cdata(escapeHtml(l === letter ? (q.explanation ?? 'Correct.') : (m?.feedback ?? q.explanation ?? '')))}</text></feedback></answer>`;
      })
      .join('');
    return `<question type="multichoice">${name}<questiontext format="html"><text>${cdata(questionHtml(q))}</text></questiontext>${feedback}${grade}<single>true</single><shuffleanswers>0</shuffleanswers><answernumbering>ABCD</answernumbering>${answers}</question>`;
  }
  const only = q.parts.length === 1 ? q.parts[0]! : undefined;
  if (only && only.answer.kind === 'scalar') {
    const value = only.answer.value;
    const wrong = q.mistakes
      .filter((m) => m.answers[only.id]?.kind === 'scalar')
      .map((m) => `<answer fraction="0"><text>${num((m.answers[only.id] as { value: number }).value)}</text><tolerance>${num(numericTolerance(value, only))}</tolerance><feedback format="html"><text>${cdata(escapeHtml(`${m.label}: ${m.feedback}`))}</text></feedback></answer>`)
      .join('');
    return `<question type="numerical">${name}<questiontext format="html"><text>${cdata(`${questionHtml(q)}<p>${escapeHtml(typeset(only.label))}</p>`)}</text></questiontext>${feedback}${grade}<answer fraction="100"><text>${num(value)}</text><tolerance>${num(numericTolerance(value, only))}</tolerance><feedback format="html"><text>Correct.</text></feedback></answer>${wrong}</question>`;
  }
  const body = q.parts.map((p) => `<p>${escapeHtml(typeset(p.label))}${p.decimals !== undefined ? ` (to ${p.decimals} decimal places)` : ''}: ${clozeBlanks(p)}</p>`).join('');
  return `<question type="cloze">${name}<questiontext format="html"><text>${cdata(`${questionHtml(q)}${body}`)}</text></questiontext>${feedback}${grade}</question>`;
}

/** One variant's questions as Moodle XML, in question order (what `MoodleWriter.add` takes). */
export function moodleQuestions(v: VariantDoc): string[] {
  return v.questions.map((q) => questionXml(q, v));
}

const MOODLE_HEAD = ['<?xml version="1.0" encoding="UTF-8"?>', '<quiz>'];
const category = (specId: string, qi: number) => `<question type="category"><category><text>${xmlText(`$course$/dlexam/${specId}/Q${qi + 1}`)}</text></category></question>`;

export function moodleXml(exam: ExamDoc): string {
  const out: string[] = [...MOODLE_HEAD];
  const count = exam.variants[0]?.questions.length ?? 0;
  for (let qi = 0; qi < count; qi++) {
    out.push(category(exam.spec.id, qi));
    for (const v of exam.variants) out.push(questionXml(v.questions[qi]!, v));
  }
  out.push('</quiz>', '');
  return out.join('\n');
}

/**
 * moodle.xml written variant by variant without keeping the variants: the file lists question 1 of
 * every variant, then question 2 of every variant, …, so each question number's XML goes to its own
 * temporary file (in a hidden folder beside the output) and `finish()` joins them. The bytes equal
 * `moodleXml()` of the whole exam when the variants are added in order.
 */
export class MoodleWriter {
  private readonly tmp: string;
  /** Open temporary files, one per question number (after the first variant). */
  private fds: number[] = [];
  private count = 0;

  constructor(
    private readonly file: string,
    private readonly specId: string,
  ) {
    this.tmp = mkdtempSync(join(dirname(file), '.moodle-'));
  }

  private part(qi: number): string {
    return join(this.tmp, `q${qi}.xml`);
  }

  /** The next variant's questions, as `moodleQuestions()` gives them (in variant order). */
  add(questions: readonly string[]): void {
    if (this.count === 0 && this.fds.length === 0) {
      this.count = questions.length;
      this.fds = questions.map((_, qi) => openSync(this.part(qi), 'w'));
    }
    this.fds.forEach((fd, qi) => {
      const xml = questions[qi];
      if (xml === undefined) throw new Error(`moodle.xml: a variant lacks question ${qi + 1}`);
      writeSync(fd, `${xml}\n`);
    });
  }

  finish(): void {
    this.closeAll();
    const out = openSync(this.file, 'w');
    try {
      writeSync(out, `${MOODLE_HEAD.join('\n')}\n`);
      const buf = Buffer.allocUnsafe(1 << 16);
      for (let qi = 0; qi < this.count; qi++) {
        writeSync(out, `${category(this.specId, qi)}\n`);
        const fd = openSync(this.part(qi), 'r');
        try {
          for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) writeSync(out, buf, 0, n);
        } finally {
          closeSync(fd);
        }
      }
      writeSync(out, '</quiz>\n');
    } finally {
      closeSync(out);
      this.discard();
    }
  }

  /** Remove the temporary files (also after a failed run). */
  discard(): void {
    this.closeAll();
    rmSync(this.tmp, { recursive: true, force: true });
  }

  private closeAll(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
  }
}
