/** Types of sqlite-batch.mjs (plain JavaScript so that the writer thread needs no TypeScript loader). */
import type Database from 'better-sqlite3';

/** One submission, ready to insert (JSON already serialised and checked; text or its UTF-8 bytes). */
export interface SubmissionValues {
  exam: string;
  code: string;
  student: string;
  answersJson: string | Uint8Array;
  total: number | null;
  max: number | null;
  scoreJson: string | Uint8Array | null;
  createdAt: string;
  ip: string | null;
  maxAttempts: number | undefined;
}

/** One item's outcome: stored, refused by our own checks, or refused by a constraint. */
export type ItemOutcome =
  | { ok: true; id: number; attempt: number; createdAt: string }
  | { ok: false; code: 'UNKNOWN_EXAM' | 'ATTEMPTS_EXHAUSTED'; message: string }
  | { ok: false; sqliteCode: string; message: string; code?: undefined };

/** An error as plain data. */
export interface ErrorData {
  message: string;
  sqliteCode?: string;
}

/** Sets busy_timeout, WAL (files), synchronous=FULL and foreign_keys; the reason when one does not hold. */
export function configureConnection(db: Database.Database, o: { memory: boolean; busyTimeoutMs: number }): string | undefined;

/** Writes a batch in one BEGIN IMMEDIATE transaction; throws when the transaction itself fails. */
export function batchWriter(db: Database.Database): (batch: SubmissionValues[]) => ItemOutcome[];

export function errorData(e: unknown): ErrorData;

/** A packed item: exam, code, student, total, max, createdAt, ip, maxAttempts, answers bytes, score bytes (-1: null). */
export type PackedRow = [string, string, string, number | null, number | null, string, string | null, number | null, number, number];

/** A batch as one message: the JSON of every item in one ArrayBuffer (`transfer` lists it for postMessage). */
export function packBatch(values: SubmissionValues[]): { rows: PackedRow[]; bytes: Uint8Array; transfer: ArrayBuffer[] };
export function unpackBatch(rows: PackedRow[], bytes: Uint8Array): SubmissionValues[];

/** Messages between SqliteStorage and its writer thread. */
export type ToWriter = { type: 'batch'; seq: number; rows: PackedRow[]; bytes: Uint8Array } | { type: 'close' };
export type FromWriter =
  | { type: 'ready' }
  | { type: 'open-failed'; error: ErrorData }
  /** One transaction: the batches it held (their seqs, oldest first) and its items' outcomes, in order. */
  | { type: 'done'; seqs: number[]; outcomes: ItemOutcome[] }
  | { type: 'failed'; seqs: number[]; error: ErrorData }
  | { type: 'closed' };
