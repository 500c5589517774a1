/**
 * `dlexam generate`: spec → out/<exam>/ with exam.json (the single source of truth), one paper and
 * one key PDF per variant, key CSV/JSON, an instructor overview and a fairness report.
 *
 * Memory stays flat in the number of variants: every file is written as the variants come in
 * (src/exam/output.ts), PDFs go straight to disk, and no list of variant documents is kept.
 * With `jobs` > 1 there are `jobs − 1` worker threads (src/exam/worker.ts), started first so they
 * load while this thread reads the spec. With PDFs this thread assembles (solves and verifies) the
 * variants and the workers print them; it prints one itself whenever every worker already holds
 * enough. Printing is ~70 % of a variant's time, so on a few cores the workers never load the
 * families or TensorFlow.js (~40 MB less per worker); a worker left waiting (many cores) is
 * promoted and takes whole variants from the queue too. Without PDFs every worker takes whole
 * variants from the queue, as this thread does.
 */
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GenerationError, UserError } from '../core/errors.js';
import { loadBanks } from '../bank/mc.js';
import { loadSpec } from '../bank/spec.js';
import { loadTf } from '../verify/tensor.js';
import { examHeader, specTotalPoints } from './assemble.js';
import { assembleOne, fileStem, renderVariant, type ProduceContext } from './produce.js';
import { variantCodes } from './codes.js';
import { WORKER_YOUNG_GENERATION_MB } from './v8-flags.mjs';
import { ExamOutput, prepareVariant, type OverviewVariant, type PreparedVariant, type PrepareOptions } from './output.js';
import type { OverviewPdf } from '../render/pdf/overview.js';
import type { ExamDoc, VariantDoc } from './types.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';

export interface GenerateOptions {
  spec: string;
  variants: number;
  out: string;
  secret: string;
  banksDir: string;
  pdf: boolean;
  /** Threads producing variants: this one plus `jobs − 1` worker threads (default 1: this thread only). */
  jobs?: number;
  /** Also write moodle.xml (Moodle XML question bank, one category per question). */
  moodle?: boolean;
  /** Internal, benchmark baseline only (never exposed in the CLI): false skips the tensor verification. Default true. */
  verify?: boolean;
  /** Internal (tests): all `jobs` threads are worker threads and this thread only writes the files. */
  workersOnly?: boolean;
  /** Internal (tests): when a printing worker starts taking whole variants too (default PROMOTE_AFTER). */
  promoteAfter?: { ms: number; share: number };
  onProgress?: (done: number, total: number, stage: string) => void;
}

/** What a caller needs to report on a run, without the exam document. */
export interface GenerateSummary {
  title: string;
  variants: number;
  /** Questions per variant. */
  questions: number;
  totalPoints: number;
  /** Variant codes in variant order. */
  codes: string[];
  /** The fairness report's warnings. */
  warnings: string[];
  /** Questions (over all variants) carrying a passed tensor verification. */
  verifiedQuestions: number;
}

/** Who did what (benchmarks, tests): variants this thread assembled and printed, and each worker's share. */
export interface GenerateWork {
  assembledHere: number;
  printedHere: number;
  workers: { printed: number; produced: number; full: boolean }[];
}

export interface GenerateResult {
  dir: string;
  files: string[];
  summary: GenerateSummary;
  work: GenerateWork;
  /** The exam document, read from exam.json on first access (generation itself never holds it whole). */
  readonly exam: ExamDoc;
}

/**
 * Old-generation growth allowed after a full GC, in percent of the live heap, by the number of
 * JavaScript threads. V8's default lets the heap grow to ~3–4× what is live before collecting
 * (every variant leaves ~8 MB of short-lived garbage, ~0.7 MB of it promoted), so RSS climbed with
 * N. The full GCs' work is about promoted bytes ÷ this percentage, whatever the live heap: a
 * smaller percentage saves memory and costs time. One thread spends some of the room it has under
 * the 300 MB budget: 60 % (1,000 variants with PDFs: 48–50 s instead of 54–55 s, peak RSS ~212
 * instead of ~184 MB; 100 % was ~4 % faster still for ~250 MB). Two threads hold two heaps and
 * keep 30 % (peak RSS 265–269 MB; 45 % gave 286–289 MB for no clear gain in time). Process-wide
 * (worker threads too); a GC heuristic only, no effect on results.
 */
export function heapGrowingPercent(threads: number): number {
  return threads <= 1 ? 60 : 30;
}

export async function generateExam(o: GenerateOptions): Promise<GenerateResult> {
  if (!Number.isInteger(o.variants) || o.variants < 1 || o.variants > 10000) throw new UserError(`--variants must be an integer from 1 to 10000 (got ${o.variants})`);
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, o.variants));
  const verify = o.verify ?? true;
  const workers = o.workersOnly ? jobs : jobs - 1;
  setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent(workers + 1)}`);
  // The workers first: they load the sources, the spec and TensorFlow.js while this thread reads the spec.
  // With PDFs this thread assembles and the workers start as renderers (see src/exam/worker.ts);
  // without PDFs, or when this thread assembles nothing, every worker produces whole variants.
  const role = o.pdf && !o.workersOnly ? 'render' : 'full';
  const pool = workers > 0 ? new WorkerPool(workers, { spec: o.spec, banksDir: o.banksDir, secret: o.secret, pdf: o.pdf, verify, moodle: Boolean(o.moodle), role }, o.promoteAfter ?? PROMOTE_AFTER) : undefined;
  const work: GenerateWork = { assembledHere: 0, printedHere: 0, workers: [] };
  let out: ExamOutput | undefined;
  let overview: OverviewPdf | undefined;
  try {
    const banks = loadBanks(o.banksDir);
    const spec = loadSpec(o.spec, { banks: [...banks.keys()] });
    const specText = readFileSync(o.spec);
    const codes = variantCodes(o.secret, spec.id, o.variants);
    const shell: Omit<ExamDoc, 'variants'> = {
      ...examHeader(spec, relative(process.cwd(), o.spec) || o.spec, createHash('sha256').update(specText).digest('hex')),
      totalPoints: specTotalPoints(spec),
    };
    const dir = join(o.out, spec.id);
    mkdirSync(join(dir, 'papers'), { recursive: true });
    mkdirSync(join(dir, 'keys'), { recursive: true });
    const queue = new TaskQueue(codes);
    pool?.start(shell, dir, queue);
    const ctx: ProduceContext | undefined = o.workersOnly ? undefined : { spec, banks, secret: o.secret, shell, dir, pdf: o.pdf, tf: await loadTf(), verify };
    const moodleModule = o.moodle ? await import('../render/export/moodle.js') : undefined;
    const prep: PrepareOptions = { title: shell.exam.title, overview: o.pdf, ...(moodleModule ? { moodle: moodleModule.moodleQuestions } : {}) };
    // The overview PDF gets each variant's line as the variant is written (in order), on this
    // thread, while the workers still print: only its footers are left for the end.
    const overviewFile = join(dir, 'keys', 'overview.pdf');
    const overviewModule = o.pdf ? await import('../render/pdf/overview.js') : undefined;
    const overviewPdf = () => (overview ??= new overviewModule!.OverviewPdf(shell, o.variants, overviewFile));
    const addOverview = overviewModule && ((v: OverviewVariant) => overviewPdf().add(v));
    out = new ExamOutput(dir, shell, moodleModule ? new moodleModule.MoodleWriter(join(dir, 'moodle.xml'), spec.id) : undefined, addOverview);
    const stage = o.pdf ? 'solving, verifying, rendering' : 'solving + verifying';
    const output = out;
    /** Variants finished (with their PDFs, when printed). */
    let done = 0;
    const finished = () => o.onProgress?.(++done, o.variants, stage);
    if (pool) {
      pool.onVariant = (p: PreparedVariant) => {
        output.add(p);
        finished();
      };
      pool.onRendered = finished;
    }
    // This thread takes variants from the same queue as the workers. It prints a variant itself
    // only when every worker already holds enough to print.
    if (ctx)
      for (let t = queue.take(); t; t = queue.take()) {
        pool?.throwIfFailed();
        const v = await assembleOne(ctx, t.number, t.code);
        work.assembledHere++;
        // Its share of exam.json, the keys and moodle.xml is written before it is printed: those
        // texts (~200 kB a variant) are not held while the PDFs are made (long enough for the
        // garbage collector to move them to the old generation, whose collections cost the most).
        output.add(prepareVariant(v, prep));
        if (!o.pdf) finished();
        else if (!pool?.render(v)) {
          await renderVariant(ctx, v);
          work.printedHere++;
          finished();
        }
        // Let worker messages in (a variant without PDFs never waits for I/O on its own).
        if (pool) {
          await new Promise(setImmediate);
          pool.tick();
        }
      }
    await pool?.idle();
    // Every variant is in: stop the workers now, so their memory (~80 MB each) is given back before
    // the end (exam.json, keys, fairness report, overview PDF) instead of adding to its peak.
    if (pool) work.workers = pool.work();
    await pool?.close();
    const report = await out.finish(o.variants);
    const files = [join(dir, 'exam.json'), join(dir, 'keys', 'key.csv'), ...(o.moodle ? [join(dir, 'moodle.xml')] : []), join(dir, 'fairness.txt'), join(dir, 'fairness.json')];
    const stems = codes.map((code, i) => fileStem({ number: i + 1, code }));
    files.push(...stems.map((s) => join(dir, 'keys', `${s}-key.json`)));
    if (o.pdf) {
      files.push(...stems.flatMap((s) => [join(dir, 'papers', `${s}.pdf`), join(dir, 'keys', `${s}-key.pdf`)]));
      await overviewPdf().finish();
      files.push(overviewFile);
    }
    const summary: GenerateSummary = {
      title: shell.exam.title,
      variants: o.variants,
      questions: out.questions,
      totalPoints: shell.totalPoints,
      codes,
      warnings: report.warnings,
      verifiedQuestions: out.verifiedQuestions,
    };
    let exam: ExamDoc | undefined;
    return {
      dir,
      files,
      summary,
      work,
      get exam() {
        return (exam ??= JSON.parse(readFileSync(join(dir, 'exam.json'), 'utf8')) as ExamDoc);
      },
    };
  } catch (e) {
    out?.abort();
    overview?.discard();
    throw e;
  } finally {
    await pool?.close();
  }
}

/** The variants still to produce, handed out one at a time to whichever thread asks first. */
class TaskQueue {
  private next = 0;
  constructor(private readonly codes: readonly string[]) {}
  take(): { number: number; code: string } | undefined {
    if (this.next >= this.codes.length) return undefined;
    const i = this.next++;
    return { number: i + 1, code: this.codes[i]! };
  }
  get empty(): boolean {
    return this.next >= this.codes.length;
  }
}

/** Variants a worker holds at once: one in production, one waiting (so it never idles between messages). */
const PREFETCH = 2;
/**
 * Variants a renderer holds at once: this thread hands them over only between two variants of its
 * own, and learns that one was printed only then too; now and then it also stops for 50–150 ms
 * (a full garbage collection, a variant it prints itself). A renderer holds enough for such a stop
 * not to leave it without work. Measured on 2 cores with PDFs (2026-12-07): 1,000 variants, with 4
 * the renderer ran dry ~55 times, for 1.3–1.6 s in all, with 8 only 5–13 times, for 0.1–0.4 s;
 * 500 variants, runs of the two settings in turns: the cores busy 95 instead of 93 % of the time,
 * and 2–3 % less time (means of 6 and 12 runs).
 */
const PRINT_AHEAD = 8;

/**
 * A renderer that has waited for something to print this long in all, and for this share of its
 * time, becomes a full worker (it takes whole variants from the queue too): this thread cannot
 * assemble fast enough for the workers there are. On 2 cores it always can (printing takes ~70 %
 * of a variant's time); with more cores, some workers assemble too.
 */
export const PROMOTE_AFTER = { ms: 1000, share: 0.25 };

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Tasks and renders sent and not yet answered. */
  outstanding: number;
  /** Takes whole variants from the queue (else it only prints what this thread sends it). */
  full: boolean;
  /** Since when it has had nothing to do (renderers), and how long it waited before. */
  idleSince: number | undefined;
  idleMs: number;
  readyAt: number;
  printed: number;
  produced: number;
}

/**
 * Worker threads that pull variants from a TaskQueue as they finish them (work stealing), and
 * print the variants this thread assembled while they have room for them.
 */
class WorkerPool {
  private readonly slots: Slot[] = [];
  private queue: TaskQueue | undefined;
  private failure: Error | undefined;
  private closing = false;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** A worker produced a whole variant (its PDFs written): here is its share of the other files. */
  onVariant: (p: PreparedVariant) => void = () => {};
  /** A worker wrote the PDFs of a variant handed to it with render(). */
  onRendered: () => void = () => {};

  constructor(
    n: number,
    init: WorkerInit,
    private readonly promoteAfter: { ms: number; share: number },
  ) {
    for (let i = 0; i < n; i++) {
      const slot: Slot = { worker: new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } }), ready: false, outstanding: 0, full: init.role === 'full', idleSince: undefined, idleMs: 0, readyAt: 0, printed: 0, produced: 0 };
      slot.worker.on('message', (m: FromWorker) => this.message(slot, m));
      slot.worker.on('error', (e) => this.fail(e));
      slot.worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`a generation worker stopped unexpectedly (exit code ${code})`));
      });
      this.slots.push(slot);
    }
  }

  /** The exam is known: workers may start producing from `queue`. */
  start(shell: Omit<ExamDoc, 'variants'>, dir: string, queue: TaskQueue): void {
    this.queue = queue;
    for (const s of this.slots) this.post(s.worker, { type: 'start', shell, dir });
  }

  private post(w: Worker, m: ToWorker): void {
    w.postMessage(m);
  }

  /**
   * Hands a variant this thread assembled to the least busy ready renderer with room (full workers
   * only when no renderer has room), to print; false when none has room.
   */
  render(v: VariantDoc): boolean {
    let best: Slot | undefined;
    for (const s of this.slots)
      if (s.ready && s.outstanding < (s.full ? PREFETCH : PRINT_AHEAD) && (!best || (s.full !== best.full ? !s.full : s.outstanding < best.outstanding))) best = s;
    if (!best) return false;
    this.busy(best);
    this.post(best.worker, { type: 'render', variant: v });
    return true;
  }

  private busy(s: Slot): void {
    if (s.idleSince !== undefined) s.idleMs += performance.now() - s.idleSince;
    s.idleSince = undefined;
    s.outstanding++;
  }

  /** Promotes renderers that waited too long and gives full workers tasks up to PREFETCH. */
  tick(): void {
    for (const s of this.slots) this.refill(s);
  }

  private refill(s: Slot): void {
    if (!s.ready) return;
    if (!s.full && s.outstanding === 0 && !this.queue!.empty) {
      const now = performance.now();
      const idle = s.idleMs + now - (s.idleSince ?? now);
      if (idle >= this.promoteAfter.ms && idle >= this.promoteAfter.share * (now - s.readyAt)) s.full = true;
    }
    while (s.full && s.outstanding < PREFETCH) {
      const t = this.queue!.take();
      if (!t) break;
      this.busy(s);
      this.post(s.worker, { type: 'task', ...t });
    }
    if (s.outstanding === 0) s.idleSince ??= performance.now();
  }

  private message(slot: Slot, m: FromWorker): void {
    if (this.failure) return;
    try {
      if (m.type === 'error') throw m.name === 'UserError' ? new UserError(m.message, m.hint) : m.name === 'GenerationError' ? new GenerationError(m.message) : new Error(m.message);
      if (m.type === 'variant') {
        slot.outstanding--;
        slot.produced++;
        this.onVariant(m.prepared);
      } else if (m.type === 'rendered') {
        slot.outstanding--;
        slot.printed++;
        this.onRendered();
      } else {
        slot.ready = true;
        slot.readyAt = performance.now();
      }
      this.refill(slot);
      this.settle();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.settle();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private settle(): void {
    if (this.failure) for (const w of this.waiters.splice(0)) w.reject(this.failure);
    else if (this.queue?.empty && this.slots.every((s) => s.outstanding === 0)) for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** Resolves once every variant has been handed out and no worker holds one; rejects on a worker's error. */
  idle(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.settle();
    });
  }

  work(): GenerateWork['workers'] {
    return this.slots.map((s) => ({ printed: s.printed, produced: s.produced, full: s.full }));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
