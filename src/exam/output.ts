/**
 * The files of `dlexam generate`, written while the variants are produced so that memory stays flat
 * in the number of variants: exam.json is streamed variant by variant (the bytes of
 * `JSON.stringify(exam, null, 2)`), each variant's key JSON, key.csv lines and moodle.xml questions
 * are written as it arrives (the overview's row too, to a callback), and only what the fairness
 * report needs is kept.
 *
 * A variant is first turned into a `PreparedVariant` (its text for every file plus small summaries)
 * in the thread that produced it; worker threads send that instead of the document. Variants may
 * arrive in any order: they are held back only until the next variant in order is there.
 */
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keyCsvHeader, keyCsvRows } from '../render/export/csv.js';
import type { MoodleWriter } from '../render/export/moodle.js';
import { FairnessTally, fairnessEntry, fairnessText, type FairnessEntry, type FairnessReport } from './fairness.js';
import { fileStem } from './produce.js';
import type { ExamDoc, VariantDoc } from './types.js';

/** What the overview PDF reads of a variant: its number, code and the answer texts of its questions. */
export type OverviewVariant = Pick<VariantDoc, 'number' | 'code'> & { questions: { number: number; parts: { text: string }[] }[] };

/** A question's answers as the overview abbreviates them: its parts' texts joined, at most 41 characters. */
export function shortAnswer(texts: string[]): string {
  const s = texts.join('; ');
  return s.length > 42 ? `${s.slice(0, 40)}…` : s;
}

/** `JSON.stringify(exam, null, 2)` up to and including `"variants": [` and its line break. */
export function examJsonHead(shell: Omit<ExamDoc, 'variants'>): string {
  const empty = JSON.stringify({ ...shell, variants: [] }, null, 2);
  if (!empty.endsWith('"variants": []\n}')) throw new Error('exam.json: "variants" must be the last key of the exam document');
  return `${empty.slice(0, -'[]\n}'.length)}[\n`;
}

const NEST_HEAD = '{\n  "variants": [\n';
const NEST_TAIL = '\n  ]\n}';

/** One variant as it appears inside exam.json's "variants" array (without the separating comma). */
export function examJsonVariant(v: VariantDoc): string {
  // Stringified at the depth it has in exam.json, so the indentation is JSON.stringify's own.
  const nested = JSON.stringify({ variants: [v] }, null, 2);
  return nested.slice(NEST_HEAD.length, -NEST_TAIL.length);
}

/** What follows the last variant in exam.json. */
export const EXAM_JSON_TAIL = '\n  ]\n}\n';

/** The variant's key JSON (keys/<stem>-key.json). */
export function variantKeyJson(title: string, v: VariantDoc): string {
  return `${JSON.stringify({ exam: title, variant: v.number, code: v.code, answers: v.questions.flatMap((q) => q.parts.map((p) => ({ question: q.number, part: p.id, answer: p.text, points: p.points }))) }, null, 2)}\n`;
}

/** A variant's share of every output file, plus the small summaries the whole-exam files need. */
export interface PreparedVariant {
  number: number;
  code: string;
  examJson: string;
  keyJson: string;
  csv: string;
  /** Its questions as Moodle XML (only when moodle.xml is written). */
  moodle?: string[];
  fairness: FairnessEntry;
  /** Only with PDFs (the overview). */
  overview?: OverviewVariant;
  questions: number;
  /** Questions carrying a passed tensor verification. */
  verified: number;
}

export interface PrepareOptions {
  title: string;
  /** moodleQuestions() of src/render/export/moodle.ts, when moodle.xml is written. */
  moodle?: (v: VariantDoc) => string[];
  overview: boolean;
}

export function prepareVariant(v: VariantDoc, o: PrepareOptions): PreparedVariant {
  return {
    number: v.number,
    code: v.code,
    examJson: examJsonVariant(v),
    keyJson: variantKeyJson(o.title, v),
    csv: keyCsvRows(v),
    ...(o.moodle ? { moodle: o.moodle(v) } : {}),
    fairness: fairnessEntry(v),
    // Kept for every variant until the end: only the abbreviation the overview prints (one "part").
    ...(o.overview ? { overview: { number: v.number, code: v.code, questions: v.questions.map((q) => ({ number: q.number, parts: [{ text: shortAnswer(q.parts.map((p) => p.text)) }] })) } } : {}),
    questions: v.questions.length,
    verified: v.questions.filter((q) => q.verification?.ok).length,
  };
}

/** Key JSON writes in flight at most; beyond that they are written synchronously. */
const MAX_BACKGROUND_WRITES = 32;

export class ExamOutput {
  private readonly pending = new Map<number, PreparedVariant>();
  private next = 1;
  private readonly examTmp: string;
  private readonly csvTmp: string;
  private examFd: number | undefined;
  private csvFd: number | undefined;
  private readonly tally = new FairnessTally();
  /** Key JSON files being written in the background (creating a file costs ~1–2 ms: off this thread). */
  private readonly writes = new Set<Promise<void>>();
  private writeError: Error | undefined;
  /** Questions per variant (of variant 1). */
  questions = 0;
  verifiedQuestions = 0;

  constructor(
    private readonly dir: string,
    shell: Omit<ExamDoc, 'variants'>,
    private readonly moodle?: MoodleWriter,
    /** Given each variant's overview row (prepared with `overview: true`), in order. */
    private readonly onOverview?: (v: OverviewVariant) => void,
  ) {
    // Written under temporary names and renamed when complete: a failed run leaves no half exam.json.
    this.examTmp = join(dir, `.exam.json.${process.pid}.partial`);
    this.csvTmp = join(dir, 'keys', `.key.csv.${process.pid}.partial`);
    this.examFd = openSync(this.examTmp, 'w');
    this.csvFd = openSync(this.csvTmp, 'w');
    writeSync(this.examFd, examJsonHead(shell));
    writeSync(this.csvFd, keyCsvHeader());
  }

  add(p: PreparedVariant): void {
    this.pending.set(p.number, p);
    for (let w = this.pending.get(this.next); w; w = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.write(w);
      this.next++;
    }
  }

  private write(p: PreparedVariant): void {
    writeSync(this.examFd!, p.number > 1 ? `,\n${p.examJson}` : p.examJson);
    writeSync(this.csvFd!, p.csv);
    this.writeKeyJson(join(this.dir, 'keys', `${fileStem(p)}-key.json`), p.keyJson);
    if (this.moodle) this.moodle.add(p.moodle ?? []);
    this.tally.add(p.fairness);
    if (p.number === 1) this.questions = p.questions;
    this.verifiedQuestions += p.verified;
    if (p.overview) this.onOverview?.(p.overview);
  }

  private writeKeyJson(file: string, text: string): void {
    if (this.writes.size >= MAX_BACKGROUND_WRITES) {
      writeFileSync(file, text);
      return;
    }
    const w: Promise<void> = writeFile(file, text)
      .catch((e: Error) => {
        this.writeError ??= e;
      })
      .finally(() => this.writes.delete(w));
    this.writes.add(w);
  }

  /** Completes exam.json, key.csv and moodle.xml and writes the fairness report (all `count` variants must be in). */
  async finish(count: number): Promise<FairnessReport> {
    if (this.next !== count + 1) throw new Error(`exam output: ${this.next - 1} of ${count} variants written (${this.pending.size} waiting)`);
    await Promise.all(this.writes);
    if (this.writeError) throw this.writeError;
    writeSync(this.examFd!, EXAM_JSON_TAIL);
    this.close();
    renameSync(this.examTmp, join(this.dir, 'exam.json'));
    renameSync(this.csvTmp, join(this.dir, 'keys', 'key.csv'));
    this.moodle?.finish();
    const report = this.tally.report();
    writeFileSync(join(this.dir, 'fairness.txt'), fairnessText(report));
    writeFileSync(join(this.dir, 'fairness.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  }

  /** After a failure: remove the partial files (key JSON files still being written are left to finish). */
  abort(): void {
    this.close();
    rmSync(this.examTmp, { force: true });
    rmSync(this.csvTmp, { force: true });
    this.moodle?.discard();
  }

  private close(): void {
    if (this.examFd !== undefined) closeSync(this.examFd);
    if (this.csvFd !== undefined) closeSync(this.csvFd);
    this.examFd = this.csvFd = undefined;
  }
}
