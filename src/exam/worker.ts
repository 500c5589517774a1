/**
 * A generation worker (worker thread) for `dlexam generate --jobs N`. It does two kinds of work,
 * one message each, in the order they arrive:
 *
 * - `render`: print the paper and key PDFs of a variant the main thread assembled. A worker that
 *   starts as a renderer loads only the PDF stack: no spec, no families, no TensorFlow.js
 *   (~40 MB less per thread). With PDFs, assembling takes ~30 % of a variant's time, so on a few
 *   cores the main thread assembles every variant and the workers print them.
 * - `task`: produce a whole variant (solve, verify, render) and send it back prepared for the
 *   output files (src/exam/output.ts). The sources, the spec and TensorFlow.js are loaded on the
 *   first task (at start-up for a worker started as `full`: runs without PDFs, or with more cores
 *   than one assembling thread can keep busy).
 *
 * Protocol — main → worker: `start` (the exam shell and output folder, once), `task`, `render`;
 * worker → main: `ready` (loaded and started: send work), `variant` (a finished task), `rendered`
 * (a finished render), `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareVariant, type PreparedVariant, type PrepareOptions } from './output.js';
import { loadPaperModule, produceVariant, renderVariant, type ProduceContext, type RenderContext } from './produce.js';
import type { ExamDoc, VariantDoc } from './types.js';

/** What a worker is started with (workerData): known before the main thread has read the spec. */
export interface WorkerInit {
  spec: string;
  banksDir: string;
  secret: string;
  pdf: boolean;
  /** Internal (benchmark baseline only): false skips the tensor verification. */
  verify: boolean;
  /** moodle.xml is written: prepare each variant's Moodle questions too. */
  moodle: boolean;
  /** `full`: load everything for whole variants at once; `render`: the PDF stack only (the rest on a first `task`). */
  role: 'full' | 'render';
}

export type ToWorker = { type: 'start'; shell: Omit<ExamDoc, 'variants'>; dir: string } | { type: 'task'; number: number; code: string } | { type: 'render'; variant: VariantDoc };
export type FromWorker = { type: 'ready' } | { type: 'variant'; prepared: PreparedVariant } | { type: 'rendered' } | { type: 'error'; message: string; name: string; hint?: string };

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

type Full = { ctx: ProduceContext; prep: PrepareOptions };
/** The sources, the spec and TensorFlow.js (imported here, not at the top: a renderer never loads them). */
async function loadSources() {
  const [{ loadBanks }, { loadSpec }, { loadTf }] = await Promise.all([import('../bank/mc.js'), import('../bank/spec.js'), import('../verify/tensor.js')]);
  const banks = loadBanks(init.banksDir);
  const spec = loadSpec(init.spec, { banks: [...banks.keys()] });
  const tf = await loadTf();
  const moodle = init.moodle ? (await import('../render/export/moodle.js')).moodleQuestions : undefined;
  return { spec, banks, tf, ...(moodle ? { moodle } : {}) };
}
let loadingFull: ReturnType<typeof loadSources> | undefined;
const loadFull = () => (loadingFull ??= loadSources());

// Loading starts at once, while the main thread still reads the spec.
const loaded = init.role === 'full' ? loadFull() : init.pdf ? loadPaperModule() : Promise.resolve();
loaded.catch(() => {}); // reported when the main thread sends `start`

let rc: RenderContext | undefined;
let full: Promise<Full> | undefined;
const jobs: ToWorker[] = [];
let busy = false;
let failed = false;

function fullContext(): Promise<Full> {
  return (full ??= loadFull().then(({ moodle, ...l }) => ({
    ctx: { ...l, ...rc!, secret: init.secret, pdf: init.pdf, verify: init.verify },
    prep: { title: rc!.shell.exam.title, overview: init.pdf, ...(moodle ? { moodle } : {}) },
  })));
}

async function drain(): Promise<void> {
  if (busy || !rc || failed) return;
  busy = true;
  try {
    for (let j = jobs.shift(); j; j = jobs.shift()) {
      if (j.type === 'render') {
        await renderVariant(rc, j.variant);
        post({ type: 'rendered' });
      } else if (j.type === 'task') {
        const { ctx, prep } = await fullContext();
        // The variant goes back as text for each output file (smaller to pass than the document).
        post({ type: 'variant', prepared: prepareVariant(await produceVariant(ctx, j.number, j.code), prep) });
      }
    }
  } finally {
    busy = false;
  }
}

function fail(e: Error): void {
  if (failed) return;
  failed = true;
  const hint = (e as { hint?: unknown }).hint;
  post({ type: 'error', message: e.message, name: e.name, ...(typeof hint === 'string' ? { hint } : {}) });
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'start')
    loaded
      .then(() => {
        rc = { shell: m.shell, dir: m.dir };
        post({ type: 'ready' });
        return drain();
      })
      .catch(fail);
  else {
    jobs.push(m);
    drain().catch(fail);
  }
});
