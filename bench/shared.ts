/** Helpers shared by the benchmark driver (bench/run.ts) and its child processes. */
import type { GenerateWork } from '../src/exam/generate.js';
import type { TfInits } from './child-util.mjs';

export { args, BENCH_SECRET, peakRssMb, readTfLog, report, requireFreshDist, type TfInits } from './child-util.mjs';

/** What bench/gen-child.mjs reports for one measured generation run. */
export interface GenResult {
  variants: number;
  jobs: number;
  pdf: boolean;
  verify: boolean;
  /** Wall time of generateExam (spec loading, tensor backend start-up, all variants, exam.json, keys, overview). */
  seconds: number;
  /**
   * CPU time (user + system) of the whole process during generateExam, every thread included: the
   * JavaScript threads and V8's background GC/compiler threads, the libuv pool (file writes).
   */
  cpuSeconds: number;
  /** From the generateExam call to the first finished variant (start-up latency). */
  firstVariantSeconds: number;
  peakRssMb: number;
  /** Bytes of every file written under the output folder (PDFs, exam.json, keys, reports). */
  outputBytes: number;
  /** RSS (MB) when 10 %, 50 % and 100 % of the variants were done: flat memory means these stay level. */
  rssAt: [number, number, number];
  /** V8 heap still live in the main thread after generateExam and a full GC (MB): what the process retains. */
  heapAfterGcMb: number;
  tf: TfInits;
  /** Questions per variant (checks the spec). */
  questions: number;
  /** Questions carrying a tensor verification record (0 when verify is off). */
  verifiedQuestions: number;
  /** Who assembled and printed the variants (main thread, workers). */
  work: GenerateWork;
  /**
   * CPU seconds by thread during generateExam (Linux /proc; undefined elsewhere): the main thread,
   * each worker thread, and all other threads together — V8's optimizing-compiler threads and
   * libuv's pool (file writes); with --single-threaded-gc the collector runs on the JavaScript
   * threads themselves.
   */
  threads?: { main: number; workers: number[]; other: number };
}
