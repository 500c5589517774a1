/**
 * The storage contract for submissions: what every adapter (SQLite now, PostgreSQL later) offers,
 * the one error type it throws, and the input validation all adapters share — so that bad input is
 * refused the same way everywhere, before anything is written.
 *
 * Every method is async even though better-sqlite3 is synchronous: a PostgreSQL adapter must fit.
 * The store is an honest recorder: it does not normalise student ids or variant codes (the server
 * does that before calling), and it never rewrites what it is given — it accepts or refuses.
 */
import { z } from 'zod';
import type { ExamDoc } from '../../exam/types.js';
import { jsonBytes, jsonText } from '../json.js';

export type ExamMode = ExamDoc['exam']['mode'];
/** Which attempt counts for a student: the last one, or the best-scored one. */
export type CountPolicy = ExamDoc['exam']['counts'];

// ---------------------------------------------------------------------------------------------
// Errors

export type StorageErrorCode =
  /** Input failed validation; nothing was written. */
  | 'INVALID_INPUT'
  /** Answers or score JSON larger than the configured limit; nothing was written. */
  | 'TOO_LARGE'
  /** A submission names an exam that was never registered with upsertExam. */
  | 'UNKNOWN_EXAM'
  /** A submission id does not exist (or belongs to another exam). */
  | 'NOT_FOUND'
  /** addSubmission with maxAttempts: the student has used them all. */
  | 'ATTEMPTS_EXHAUSTED'
  /** The database was written by a newer dlexam (schema version above what this code knows). */
  | 'SCHEMA_TOO_NEW'
  /** A migration failed (the whole upgrade was rolled back) or the recorded schema history is not ours. */
  | 'MIGRATION_FAILED'
  /** The database could not be opened (missing folder, not a database, no WAL support…). */
  | 'OPEN_FAILED'
  /** The storage URL names a backend this build does not provide (yet). */
  | 'UNSUPPORTED'
  /** Another writer held the lock longer than the busy timeout. Safe to retry. */
  | 'BUSY'
  /** The storage was closed. */
  | 'CLOSED'
  /** Disk full, I/O error, corruption, read-only file. */
  | 'IO'
  /** Anything else: a bug. */
  | 'INTERNAL';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export const isStorageError = (e: unknown, code?: StorageErrorCode): e is StorageError =>
  e instanceof StorageError && (code === undefined || e.code === code);

// ---------------------------------------------------------------------------------------------
// Records

export interface ExamInput {
  /** ExamDoc.spec.id */
  id: string;
  title: string;
  mode: ExamMode;
  /** sha256 (hex) of the exam.json text the server loaded. */
  sha256: string;
}

export interface ExamRecord extends ExamInput {
  /** When the exam was first registered / last (re)registered, ISO 8601 UTC. */
  firstLoadedAt: string;
  loadedAt: string;
  submissionCount: number;
}

export interface UpsertExamResult {
  created: boolean;
  /** The exam.json hash differs from the one registered before (regenerated exam). */
  changed: boolean;
  previousSha256?: string;
}

/**
 * A grading outcome. total/max are what ranking and CSV use; detail is the grader's own JSON
 * (per question/part points, feedback) and is stored verbatim.
 */
export interface ScoreResult {
  total: number;
  max: number;
  detail?: unknown;
}

export interface NewSubmission {
  exam: string;
  /** The variant code as the server resolved it (normalised). */
  code: string;
  /** The student id as the server normalised it; attempts are counted per exact id. */
  student: string;
  /** What the student sent (any JSON value). */
  answers: unknown;
  /** null when the submission is stored ungraded. */
  result: ScoreResult | null;
  ip?: string | null;
  /** When given, refuse (ATTEMPTS_EXHAUSTED) once the student has this many attempts — atomically. */
  maxAttempts?: number;
}

export interface AddedSubmission {
  id: number;
  /** 1-based, per (exam, student), gap-free. */
  attempt: number;
  createdAt: string;
}

export interface SubmissionRecord {
  id: number;
  exam: string;
  code: string;
  student: string;
  attempt: number;
  answers: unknown;
  result: ScoreResult | null;
  createdAt: string;
  ip: string | null;
}

/** One row per student of an exam: the submission that counts under a policy. */
export interface StudentResult {
  student: string;
  /** How many attempts the student made in total. */
  attempts: number;
  submission: SubmissionRecord;
}

export interface ScoreUpdate {
  id: number;
  result: ScoreResult;
}

export interface UpdateScoresResult {
  /** Submissions whose stored score changed (one history row each). */
  changed: number;
  /** Submissions whose new score equals the stored one (untouched, no history row). */
  unchanged: number;
}

export interface GradeChange {
  submissionId: number;
  old: ScoreResult | null;
  new: ScoreResult;
  reason: string | null;
  appliedAt: string;
}

export interface ListOptions {
  student?: string;
  code?: string;
}

export interface Storage {
  /** What the adapter is, for logs: "sqlite:/path/to/db". Never contains credentials. */
  readonly description: string;

  /** Register (or re-register) an exam; submissions may only reference registered exams. */
  upsertExam(exam: ExamInput): Promise<UpsertExamResult>;
  getExam(id: string): Promise<ExamRecord | undefined>;
  listExams(): Promise<ExamRecord[]>;

  /**
   * Store one submission and give it the next attempt number for (exam, student), in one
   * transaction: concurrent submissions of one student get distinct, consecutive attempts.
   * Resolves only once the row is durably committed.
   */
  addSubmission(s: NewSubmission): Promise<AddedSubmission>;
  getSubmission(id: number): Promise<SubmissionRecord | undefined>;
  countAttempts(exam: string, student: string): Promise<number>;
  /** In submission order (id). */
  listSubmissions(exam: string, options?: ListOptions): Promise<SubmissionRecord[]>;

  /**
   * The submission that counts for each student ('last': highest attempt; 'best': highest total,
   * earliest attempt on ties, ungraded attempts only when none is graded), ordered by student id.
   * This is what the instructor CSV is made of.
   */
  results(exam: string, policy: CountPolicy): Promise<StudentResult[]>;
  /** The same for one student; undefined when the student never submitted. */
  resultFor(exam: string, student: string, policy: CountPolicy): Promise<StudentResult | undefined>;

  /**
   * Regrade: replace scores of submissions of one exam, all or nothing. Every changed score keeps
   * a history row (old → new). An unknown id (or one of another exam) aborts the whole batch.
   */
  updateScores(exam: string, updates: ScoreUpdate[], options?: { reason?: string }): Promise<UpdateScoresResult>;
  gradeHistory(submissionId: number): Promise<GradeChange[]>;

  /** Idempotent. Afterwards every call rejects with CLOSED. */
  close(): Promise<void>;
}

export interface StorageOptions {
  /** The clock for created_at / loaded_at / applied_at (tests inject one). */
  now?: () => Date;
  /** Upper bound for answers JSON and for score JSON, in UTF-8 bytes. Default 16 MiB. */
  maxJsonBytes?: number;
  /** How long a writer waits for another writer's lock before BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
}

export const DEFAULT_MAX_JSON_BYTES = 16 * 1024 * 1024;
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

// ---------------------------------------------------------------------------------------------
// Validation (shared by adapters; runs before any write)

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /\p{Cc}/u;

/** Lone surrogates cannot be stored as UTF-8: the database would silently replace them. */
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** An identifier-like text: non-empty, bounded, no control characters, no surrounding spaces. */
function label(max: number) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .refine((s) => s.trim() === s, 'must not start or end with whitespace (normalise it first)')
    .refine(wellFormed, 'must be valid Unicode (lone surrogate)');
}

export const examIdSchema = label(200);
export const studentSchema = label(200);
export const codeSchema = label(64);
export const submissionIdSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
export const policySchema = z.enum(['last', 'best']);

export const examInputSchema = z.strictObject({
  id: examIdSchema,
  title: z.string().max(1000).refine(wellFormed, 'must be valid Unicode (lone surrogate)'),
  mode: z.enum(['exam', 'practice']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
});

export const scoreResultSchema = z.strictObject({
  total: z.number(),
  max: z.number().min(0),
  detail: z.unknown().optional(),
});

export const newSubmissionSchema = z.strictObject({
  exam: examIdSchema,
  code: codeSchema,
  student: studentSchema,
  answers: z.unknown(),
  result: scoreResultSchema.nullable(),
  ip: label(100).nullable().optional(),
  maxAttempts: z.int().min(1).optional(),
});

export const scoreUpdatesSchema = z.array(z.strictObject({ id: submissionIdSchema, result: scoreResultSchema }));
export const reasonSchema = z.string().max(1000).refine(wellFormed, 'must be valid Unicode (lone surrogate)');

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** What label(max) accepts. */
const isLabel = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length >= 1 && v.length <= max && !CONTROL.test(v) && v.trim() === v && wellFormed(v);

const SUBMISSION_KEYS = new Set(['exam', 'code', 'student', 'answers', 'result', 'ip', 'maxAttempts']);
const RESULT_KEYS = new Set(['total', 'max', 'detail']);

/**
 * validate(newSubmissionSchema, s) for the usual, valid submission, without zod: the same output
 * (result rebuilt in the schema's key order). undefined when s is anything else — then zod
 * decides, and names what is wrong.
 */
export function quickNewSubmission(s: unknown): NewSubmission | undefined {
  if (!isPlainObject(s)) return undefined;
  for (const k of Object.keys(s)) if (!SUBMISSION_KEYS.has(k)) return undefined;
  if (!isLabel(s['exam'], 200) || !isLabel(s['code'], 64) || !isLabel(s['student'], 200)) return undefined;
  if (!Object.hasOwn(s, 'answers') || s['answers'] === undefined) return undefined;
  const ip = s['ip'];
  if (ip !== undefined && ip !== null && !isLabel(ip, 100)) return undefined;
  const maxAttempts = s['maxAttempts'];
  if (maxAttempts !== undefined && !(Number.isSafeInteger(maxAttempts) && (maxAttempts as number) >= 1)) return undefined;
  const r = s['result'];
  let result: ScoreResult | null;
  if (r === null) result = null;
  else {
    if (!isPlainObject(r)) return undefined;
    for (const k of Object.keys(r)) if (!RESULT_KEYS.has(k)) return undefined;
    const { total, max } = r;
    if (typeof total !== 'number' || !Number.isFinite(total) || typeof max !== 'number' || !Number.isFinite(max) || max < 0) return undefined;
    result = Object.hasOwn(r, 'detail') ? { total, max, detail: r['detail'] } : { total, max };
  }
  return {
    exam: s['exam'],
    code: s['code'],
    student: s['student'],
    answers: s['answers'],
    result,
    ...(Object.hasOwn(s, 'ip') ? { ip: ip as string | null | undefined } : {}),
    ...(Object.hasOwn(s, 'maxAttempts') ? { maxAttempts: maxAttempts as number | undefined } : {}),
  } as NewSubmission;
}

/** Parse with a zod schema, or throw INVALID_INPUT naming every offending field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${[what, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new StorageError('INVALID_INPUT', `invalid ${what}: ${problems.join('; ')}`);
}

const MAX_JSON_DEPTH = 64;

/**
 * Serialise a value that must survive a JSON round trip unchanged. JSON.stringify would quietly
 * turn NaN into null, drop functions, flatten Dates and class instances, and the database would
 * replace lone surrogates — all silent data changes, so they are refused here instead.
 * (An object property whose value is undefined is left out, as JSON always does.)
 */
export function toJsonText(value: unknown, what: string, maxBytes: number): string {
  const text = jsonText(value, MAX_JSON_DEPTH) ?? explain(value, what);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: only a text near the limit needs counting.
  const bytes = text.length * 3 <= maxBytes ? 0 : Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw new StorageError('TOO_LARGE', `${what} is ${bytes} bytes of JSON, more than the limit of ${maxBytes}`);
  return text;
}

/**
 * toJsonText's checks and result as UTF-8 bytes (in a buffer of their own): what addSubmission
 * hands to the writer. The JSON of frozen subtrees (the grader's shared grades) is encoded once.
 */
export function toJsonBytes(value: unknown, what: string, maxBytes: number): Uint8Array {
  const bytes = jsonBytes(value, MAX_JSON_DEPTH) ?? Buffer.from(explain(value, what), 'utf8');
  if (bytes.length > maxBytes) throw new StorageError('TOO_LARGE', `${what} is ${bytes.length} bytes of JSON, more than the limit of ${maxBytes}`);
  return bytes;
}

/** Throws INVALID_INPUT naming what JSON cannot hold (jsonText refused value); the text if nothing is found. */
function explain(value: unknown, what: string): string {
  const ancestors = new Set<object>();
  const fail = (path: string, why: string): never => {
    throw new StorageError('INVALID_INPUT', `invalid ${what}: ${path} ${why}`);
  };
  const walk = (v: unknown, path: string, depth: number): void => {
    if (v === null || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(path, `is ${v}, which JSON cannot represent`);
      return;
    }
    if (typeof v === 'string') {
      if (!wellFormed(v)) fail(path, 'contains a lone surrogate (invalid Unicode)');
      return;
    }
    if (typeof v !== 'object') return fail(path, `is a ${typeof v}, which JSON cannot represent`);
    if (depth >= MAX_JSON_DEPTH) fail(path, `is nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (ancestors.has(v)) fail(path, 'is circular');
    ancestors.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (v[i] === undefined) fail(`${path}[${i}]`, 'is undefined (JSON would store null)');
        walk(v[i], `${path}[${i}]`, depth + 1);
      }
    } else {
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) fail(path, 'is not a plain object (serialise it first)');
      for (const [k, x] of Object.entries(v)) {
        if (!wellFormed(k)) fail(path, 'has a key with a lone surrogate (invalid Unicode)');
        if (x !== undefined) walk(x, `${path}.${k}`, depth + 1);
      }
    }
    ancestors.delete(v);
  };
  if (value === undefined) fail(what, 'is missing');
  walk(value, what, 0);
  return JSON.stringify(value);
}
