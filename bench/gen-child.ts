/**
 * One measured generation run in its own process, so its peak RSS (process.resourceUsage().maxRSS,
 * which counts the worker threads) belongs to this configuration alone.
 *
 *   node --import tsx bench/gen-child.ts --variants 100 --jobs 2 --pdf 1 --verify 1 --out /tmp/x
 *
 * Sends { seconds, firstVariantSeconds, peakRssMb, tf } to the driver over IPC (or prints it).
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import type { WorkerOptions } from 'node:worker_threads';
import { installTfProbe } from './tf-probe.mjs';
import { args, BENCH_SECRET, peakRssMb, readTfLog, report } from './shared.js';

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
  /** RSS (MB) when 10 %, 50 % and 100 % of the variants were done: flat memory means these stay level. */
  rssAt: [number, number, number];
  /** V8 heap still live in the main thread after generateExam and a full GC (MB): what the process retains. */
  heapAfterGcMb: number;
  tf: ReturnType<typeof readTfLog>;
  /** Questions per variant (checks the spec). */
  questions: number;
  /** Questions carrying a tensor verification record (0 when verify is off). */
  verifiedQuestions: number;
}

const a = args();
const variants = Number(a['variants'] ?? 1);
const jobs = Number(a['jobs'] ?? 1);
const pdf = a['pdf'] !== '0';
const verify = a['verify'] !== '0';
const out = a['out'];
const spec = a['spec'] ?? join(import.meta.dirname, 'bench-spec.yaml');
if (!out) throw new Error('--out DIR is required');
const tfLog = process.env['BENCH_TF_LOG'];

// Count TensorFlow.js initialisations in this thread and in every worker thread: the product's
// worker entry is started through bench/worker-probe.mjs, which installs the same probe first.
installTfProbe(tfLog);
const wt = createRequire(import.meta.url)('node:worker_threads') as { Worker: new (file: string | URL, o?: WorkerOptions) => object };
const ProductWorker = wt.Worker;
const probeEntry = new URL('./worker-probe.mjs', import.meta.url);
wt.Worker = class extends ProductWorker {
  constructor(file: string | URL, o: WorkerOptions = {}) {
    super(probeEntry, { ...o, argv: [...(o.argv ?? []), String(file)] });
  }
};
syncBuiltinESMExports();

const { generateExam } = await import('../src/exam/generate.js');
let first = 0;
const marks = [Math.max(1, Math.ceil(variants * 0.1)), Math.max(1, Math.ceil(variants * 0.5)), variants];
const rssAt: [number, number, number] = [0, 0, 0];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await generateExam({
  spec,
  variants,
  out,
  secret: BENCH_SECRET,
  banksDir: join(import.meta.dirname, '..', 'question-banks', 'mc'),
  pdf,
  verify,
  jobs,
  onProgress: (done) => {
    if (done === 1) first = performance.now();
    marks.forEach((m, i) => {
      if (done === m) rssAt[i] = process.memoryUsage.rss() / 2 ** 20;
    });
  },
});
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const peak = peakRssMb();
(globalThis as { gc?: () => void }).gc?.();
const result: GenResult = {
  variants,
  jobs,
  pdf,
  verify,
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  firstVariantSeconds: (first - t0) / 1000,
  peakRssMb: peak,
  rssAt,
  heapAfterGcMb: process.memoryUsage().heapUsed / 2 ** 20,
  tf: tfLog ? readTfLog(tfLog) : { threads: 0, backendInits: 0, maxPerThread: 0 },
  questions: r.summary.questions,
  verifiedQuestions: r.summary.verifiedQuestions,
};
report(result);
