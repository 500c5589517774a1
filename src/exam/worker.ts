/**
 * A generation worker (worker thread) for `dlexam generate --jobs N`: loads the sources, the spec and
 * TensorFlow.js once, then produces (solve, verify, render) whichever variants the main thread hands
 * it, one message per variant, so a slow worker never holds up the others (work stealing from the
 * main thread's queue). Each finished variant goes back prepared for the output files
 * (src/exam/output.ts), so the main thread only writes.
 *
 * Protocol — main → worker: `start` (the exam shell and output folder, once), `task` (a variant to
 * produce); worker → main: `ready` (loaded and started: send tasks), `variant` (a finished
 * variant), `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBanks } from '../bank/mc.js';
import { loadSpec } from '../bank/spec.js';
import { loadTf } from '../verify/tensor.js';
import { prepareVariant, type PreparedVariant, type PrepareOptions } from './output.js';
import { produceVariant, type ProduceContext } from './produce.js';
import type { ExamDoc } from './types.js';

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
}

export type ToWorker = { type: 'start'; shell: Omit<ExamDoc, 'variants'>; dir: string } | { type: 'task'; number: number; code: string };
export type FromWorker = { type: 'ready' } | { type: 'variant'; prepared: PreparedVariant } | { type: 'error'; message: string; name: string; hint?: string };

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

// Loading starts at once, while the main thread still reads the spec.
const loaded = (async () => {
  const banks = loadBanks(init.banksDir);
  const spec = loadSpec(init.spec, { banks: [...banks.keys()] });
  const tf = await loadTf();
  const moodle = init.moodle ? (await import('../render/export/moodle.js')).moodleQuestions : undefined;
  return { spec, banks, tf, moodle };
})();
loaded.catch(() => {}); // reported when the main thread sends `start`

let ctx: ProduceContext | undefined;
let prep: PrepareOptions | undefined;
const tasks: { number: number; code: string }[] = [];
let busy = false;
let failed = false;

async function drain(): Promise<void> {
  if (busy || !ctx || !prep || failed) return;
  busy = true;
  try {
    // The variant goes back as text for each output file (smaller to pass than the document).
    for (let t = tasks.shift(); t; t = tasks.shift()) post({ type: 'variant', prepared: prepareVariant(await produceVariant(ctx, t.number, t.code), prep) });
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
      .then(({ moodle, ...l }) => {
        ctx = { ...l, secret: init.secret, shell: m.shell, dir: m.dir, pdf: init.pdf, verify: init.verify };
        prep = { title: m.shell.exam.title, overview: init.pdf, ...(moodle ? { moodle } : {}) };
        post({ type: 'ready' });
        return drain();
      })
      .catch(fail);
  else {
    tasks.push(m);
    drain().catch(fail);
  }
});
