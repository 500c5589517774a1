/**
 * One measured generation run in its own process, so its peak RSS (process.resourceUsage().maxRSS,
 * which counts the worker threads) belongs to this configuration alone. Plain JavaScript that runs
 * the compiled product (dist/, `npm run build`; bench/run.ts builds first) without tsx, as
 * `dlexam generate` does:
 *
 *   node --expose-gc bench/gen-child.mjs --variants 100 --jobs 2 --pdf 1 --verify 1 --out /tmp/x
 *
 * Sends a GenResult (bench/shared.ts) to the driver over IPC (or prints it).
 */
import { readdirSync, statSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { args, BENCH_SECRET, osThreadId, peakRssMb, readTfLog, report, requireFreshDist, THREAD_CHANNEL, threadCpuSeconds } from './child-util.mjs';
import { installTfProbe } from './tf-probe.mjs';

const a = args();
const variants = Number(a['variants'] ?? 1);
const jobs = Number(a['jobs'] ?? 1);
const pdf = a['pdf'] !== '0';
const verify = a['verify'] !== '0';
const out = a['out'];
const spec = a['spec'] ?? join(import.meta.dirname, 'bench-spec.yaml');
if (!out) throw new Error('--out DIR is required');
requireFreshDist();
const tfLog = process.env['BENCH_TF_LOG'];

// Count TensorFlow.js initialisations in this thread and in every worker thread: the product's
// worker entry is started through bench/worker-probe.mjs, which installs the same probe first.
installTfProbe(tfLog);
const wt = createRequire(import.meta.url)('node:worker_threads');
const ProductWorker = wt.Worker;
const probeEntry = new URL('./worker-probe.mjs', import.meta.url);
// CPU time by thread (Linux /proc): this thread's, each worker thread's (read when it is terminated,
// the last moment its figures exist) and the rest: V8's optimizing-compiler threads, libuv's pool.
const mainTid = osThreadId();
/** @type {number[]} */
const workerTids = [];
/** @type {Map<number, number>} CPU seconds of each worker thread when last read. */
const workerCpu = new Map();
const readWorkers = () => {
  for (const tid of workerTids) {
    const s = threadCpuSeconds(tid);
    if (s !== undefined) workerCpu.set(tid, s);
  }
};
const threads = new wt.BroadcastChannel(THREAD_CHANNEL);
threads.onmessage = (/** @type {MessageEvent} */ e) => {
  if (typeof e.data === 'number') workerTids.push(e.data);
};
wt.Worker = class extends ProductWorker {
  constructor(file, o = {}) {
    super(probeEntry, { ...o, argv: [...(o.argv ?? []), String(file)] });
  }
  terminate() {
    readWorkers();
    return super.terminate();
  }
};
syncBuiltinESMExports();

const { generateExam } = await import('../dist/exam/generate.js');
let first = 0;
const marks = [Math.max(1, Math.ceil(variants * 0.1)), Math.max(1, Math.ceil(variants * 0.5)), variants];
const rssAt = [0, 0, 0];
const cpu0 = process.cpuUsage();
const main0 = mainTid === undefined ? undefined : threadCpuSeconds(mainTid);
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
const main1 = mainTid === undefined ? undefined : threadCpuSeconds(mainTid);
threads.close();
const peak = peakRssMb();
/** @type {(dir: string) => number} */
const bytesUnder = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? bytesUnder(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
globalThis.gc?.();
/** @type {import('./shared.js').GenResult} */
const result = {
  variants,
  jobs,
  pdf,
  verify,
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  firstVariantSeconds: (first - t0) / 1000,
  peakRssMb: peak,
  outputBytes: bytesUnder(out),
  rssAt,
  heapAfterGcMb: process.memoryUsage().heapUsed / 2 ** 20,
  tf: tfLog ? readTfLog(tfLog) : { threads: 0, backendInits: 0, maxPerThread: 0 },
  questions: r.summary.questions,
  verifiedQuestions: r.summary.verifiedQuestions,
  work: r.work,
  threads:
    main0 === undefined || main1 === undefined || workerCpu.size !== workerTids.length || workerTids.length !== r.work.workers.length
      ? undefined
      : (() => {
          const main = main1 - main0;
          const workers = [...workerCpu.values()];
          return { main, workers, other: Math.max(0, (cpu.user + cpu.system) / 1e6 - main - workers.reduce((a, b) => a + b, 0)) };
        })(),
};
report(result);
