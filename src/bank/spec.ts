/**
 * Exam specs: YAML in question-banks/ → a typed, validated spec. Every error names the file, the
 * line and column, and what is wrong (unknown family with "did you mean", a parameter outside its
 * schema, points missing), and all errors are reported at once.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LineCounter, parseDocument, isMap, type Document, type Node as YamlNode } from 'yaml';
import { z, type ZodType } from 'zod';
import { UserError, didYouMean } from '../core/errors.js';
import { families } from '../families/index.js';
import type { AnyFamily } from '../families/types.js';

const difficulty = z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'difficulty must be 1, 2 or 3' });
const points = z.union([z.number().positive(), z.record(z.string(), z.number().nonnegative())], {
  error: 'points must be a positive number (the question total) or a map from part id to points',
});
const constraint = z
  .object({ min: z.number().optional(), max: z.number().optional(), in: z.array(z.unknown()).min(1).optional() })
  .strict();

const familyQuestion = z
  .object({
    family: z.string(),
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'id may only use letters, digits, "_", "." and "-"').optional(),
    points,
    difficulty: difficulty.default(2),
    /** Pinned parameters (a partial params object of the family). */
    params: z.record(z.string(), z.unknown()).optional(),
    /** Bounds on generated parameters: { stride: { in: [1, 2] }, kernel: { min: 3 } }. */
    constraints: z.record(z.string(), constraint).optional(),
    /** 'choice' turns a one-part numeric question into multiple choice with mistakes as distractors. */
    format: z.enum(['open', 'choice']).default('open'),
  })
  .strict();

const bankQuestion = z
  .object({
    bank: z.string(),
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
    draw: z.int().min(1, 'draw at least 1 question'),
    /** Points for each drawn question. */
    points: z.number().positive(),
    topics: z.array(z.string()).optional(),
  })
  .strict();

export type FamilyQuestionSpec = z.output<typeof familyQuestion>;
export type BankQuestionSpec = z.output<typeof bankQuestion>;
export type QuestionSpec = FamilyQuestionSpec | BankQuestionSpec;

const specSchema = z
  .object({
    title: z.string().min(1),
    course: z.string().min(1),
    date: z.union([z.string(), z.date().transform((d) => d.toISOString().slice(0, 10))]).optional(),
    duration: z.string().optional(),
    instructions: z.string().optional(),
    paper: z.enum(['A4', 'Letter']).default('A4'),
    /** practice: students see scores and feedback; exam: only "received". */
    mode: z.enum(['exam', 'practice']).default('exam'),
    /** Submissions a student may make on the web form / API, and which one counts. */
    attempts: z.int().min(1).max(100).default(1),
    counts: z.enum(['last', 'best']).default('last'),
    /** Decimals students must give for irrational answers (printed in the instructions). */
    decimals: z.int().min(0).max(6).default(2),
    sections: z
      .array(
        z
          .object({
            title: z.string().min(1),
            questions: z.array(z.record(z.string(), z.unknown())).min(1, 'a section needs at least one question'),
          })
          .strict(),
      )
      .min(1, 'an exam needs at least one section'),
  })
  .strict();

export interface ExamSpec extends Omit<z.output<typeof specSchema>, 'sections'> {
  /** Slug used for out/<id>/ and for the variant codes. */
  id: string;
  sections: { title: string; questions: QuestionSpec[] }[];
}

export interface SpecIssue {
  file: string;
  line: number;
  col: number;
  message: string;
}

export class SpecError extends UserError {
  constructor(readonly issues: SpecIssue[]) {
    issues.sort((a, b) => a.line - b.line || a.col - b.col);
    super(`invalid exam spec:\n${issues.map((i) => `  ${i.file}:${i.line}:${i.col}: ${i.message}`).join('\n')}`);
    this.name = 'SpecError';
  }
}

type Path = (string | number)[];

class Located {
  readonly issues: SpecIssue[] = [];
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The deepest node that exists on `path` (so a missing key points at its parent object). */
  add(path: Path, message: string): void {
    let node: YamlNode | undefined;
    for (let n = path.length; n >= 0 && !node; n--) {
      const found = this.doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
      if (found && typeof found === 'object' && 'range' in found) node = found;
    }
    const pos = this.lines.linePos(node?.range?.[0] ?? 0);
    this.issues.push({ file: this.file, line: pos.line, col: pos.col, message });
  }

  zod(base: Path, error: z.ZodError): void {
    for (const i of error.issues) {
      const where = [...base, ...(i.path as Path)];
      const name = where.filter((p) => typeof p === 'string').slice(-1)[0];
      this.add(where, i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}` : name && !i.message.includes(String(name)) ? `${name}: ${i.message}` : i.message);
    }
  }
}

export function slugify(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'exam';
}

/**
 * The fields of a params schema, each with every schema it may have: object schemas expose their
 * shape (refinements stay on the object in zod 4); a union of objects (a family with several
 * question variants) knows a field if any option has it.
 */
function fieldsOf(schema: ZodType): Record<string, ZodType[]> | undefined {
  const shape = (schema as unknown as { shape?: Record<string, ZodType> }).shape;
  if (shape && typeof shape === 'object') return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, [v]]));
  const options = (schema as unknown as { options?: ZodType[] }).options;
  if (!Array.isArray(options)) return undefined;
  const merged: Record<string, ZodType[]> = {};
  for (const o of options) for (const [k, v] of Object.entries(fieldsOf(o) ?? {})) (merged[k] ??= []).push(...v);
  return Object.keys(merged).length ? merged : undefined;
}

function checkFamilyQuestion(q: FamilyQuestionSpec, path: Path, at: Located): void {
  const family = families.find((f) => f.id === q.family);
  if (!family) {
    const guess = didYouMean(q.family, families.map((f) => f.id));
    at.add([...path, 'family'], `unknown family "${q.family}"${guess ? ` — did you mean "${guess}"?` : ''} (see \`dlexam families\`)`);
    return;
  }
  const fields = fieldsOf(family.params);
  for (const [kind, record] of [['params', q.params], ['constraints', q.constraints]] as const) {
    for (const [key, value] of Object.entries(record ?? {})) {
      const field = fields?.[key];
      if (fields && !field) {
        const guess = didYouMean(key, Object.keys(fields));
        at.add([...path, kind, key], `"${key}" is not a parameter of ${family.id}${guess ? ` — did you mean "${guess}"?` : ''}; its parameters: ${Object.keys(fields).join(', ')}`);
        continue;
      }
      if (kind === 'params' && field) {
        const results = field.map((f) => f.safeParse(value));
        const failed = results.find((r) => !r.success);
        if (!results.some((r) => r.success) && failed && !failed.success)
          at.add([...path, kind, key], `${key} = ${JSON.stringify(value)} is outside the schema of ${family.id}: ${failed.error.issues.map((i) => i.message).join('; ')}`);
      }
    }
  }
  if (typeof q.points === 'object') checkPointKeys(family, q, path, at);
}

function checkPointKeys(family: AnyFamily, q: FamilyQuestionSpec, path: Path, at: Located): void {
  // Part ids depend on the instance; we can only check that the keys look like part ids of a sample.
  if (Object.keys(q.points).length === 0) at.add([...path, 'points'], `points map is empty (give a number for the whole question, or points per part of ${family.id})`);
}

export interface LoadOptions {
  /** Ids of the multiple-choice banks that exist (for "unknown bank" errors). */
  banks?: readonly string[];
}

export function parseSpec(text: string, file: string, o: LoadOptions = {}): ExamSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = new Located(file, doc, lines);
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    at.issues.push({ file, line: pos.line, col: pos.col, message: `YAML syntax: ${e.message.split('\n')[0]}` });
  }
  if (at.issues.length) throw new SpecError(at.issues);
  if (!isMap(doc.contents)) throw new SpecError([{ file, line: 1, col: 1, message: 'the spec must be a YAML mapping (title:, course:, sections: …)' }]);

  const top = specSchema.safeParse(doc.toJS());
  if (!top.success) {
    at.zod([], top.error);
    throw new SpecError(at.issues);
  }
  const sections: ExamSpec['sections'] = [];
  top.data.sections.forEach((section, si) => {
    const questions: QuestionSpec[] = [];
    section.questions.forEach((raw, qi) => {
      const path: Path = ['sections', si, 'questions', qi];
      const isBank = 'bank' in raw;
      if (!isBank && !('family' in raw)) {
        at.add(path, 'a question needs either "family: <id>" or "bank: <id>" with "draw: N"');
        return;
      }
      const r = (isBank ? bankQuestion : familyQuestion).safeParse(raw);
      if (!r.success) {
        for (const i of r.error.issues) {
          const key = i.path[0];
          if (i.path.length === 1 && typeof key === 'string' && !(key in raw)) at.add(path, `"${key}" is missing: ${i.message}`);
          else at.zod(path, new z.ZodError([i]));
        }
        // Still check the family name, so a typo is reported together with the other problems.
        if (!isBank && typeof raw['family'] === 'string' && !families.some((f) => f.id === raw['family'])) {
          const guess = didYouMean(raw['family'], families.map((f) => f.id));
          at.add([...path, 'family'], `unknown family "${raw['family']}"${guess ? ` — did you mean "${guess}"?` : ''} (see \`dlexam families\`)`);
        }
        return;
      }
      if (isBank) {
        const b = r.data as BankQuestionSpec;
        if (o.banks && !o.banks.includes(b.bank)) {
          const guess = didYouMean(b.bank, o.banks);
          at.add([...path, 'bank'], `unknown multiple-choice bank "${b.bank}"${guess ? ` — did you mean "${guess}"?` : ''}; banks: ${o.banks.join(', ')}`);
        }
      } else checkFamilyQuestion(r.data as FamilyQuestionSpec, path, at);
      questions.push(r.data);
    });
    sections.push({ title: section.title, questions });
  });
  // Question ids must be unique: they label the RNG forks and the grader's columns.
  const ids = new Map<string, Path>();
  sections.forEach((s, si) =>
    s.questions.forEach((q, qi) => {
      if (!q.id) return;
      if (ids.has(q.id)) at.add(['sections', si, 'questions', qi, 'id'], `duplicate question id "${q.id}"`);
      ids.set(q.id, ['sections', si, 'questions', qi]);
    }),
  );
  if (at.issues.length) throw new SpecError(at.issues);
  const { sections: _ignored, ...rest } = top.data;
  return { ...rest, id: slugify(basename(file).replace(/\.ya?ml$/i, '')), sections };
}

export function loadSpec(file: string, o: LoadOptions = {}): ExamSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read spec ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseSpec(text, file, o);
}
