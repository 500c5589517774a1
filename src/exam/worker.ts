/**
 * A generation worker (worker thread): produces a slice of the variants (solve, verify, render) so
 * `dlexam generate --jobs N` uses several cores. Each worker loads TensorFlow.js once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBanks } from '../bank/mc.js';
import { loadSpec } from '../bank/spec.js';
import { loadTf } from '../verify/tensor.js';
import { produceVariant } from './produce.js';
import type { ExamDoc } from './types.js';

export interface WorkerTask {
  spec: string;
  banksDir: string;
  secret: string;
  shell: Omit<ExamDoc, 'variants'>;
  dir: string;
  pdf: boolean;
  /** Internal (benchmark baseline only): false skips the tensor verification. */
  verify: boolean;
  variants: { number: number; code: string }[];
}

async function run(task: WorkerTask): Promise<void> {
  const banks = loadBanks(task.banksDir);
  const spec = loadSpec(task.spec, { banks: [...banks.keys()] });
  const ctx = { spec, banks, secret: task.secret, shell: task.shell, dir: task.dir, pdf: task.pdf, tf: await loadTf(), verify: task.verify };
  for (const v of task.variants) parentPort!.postMessage({ type: 'variant', doc: await produceVariant(ctx, v.number, v.code) });
  parentPort!.postMessage({ type: 'done' });
}

run(workerData as WorkerTask).catch((e: Error) => parentPort!.postMessage({ type: 'error', message: e.message, name: e.name }));
