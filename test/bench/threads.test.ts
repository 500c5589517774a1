// The benchmark's CPU time by thread (bench/child-util.mjs): the thread ids and CPU seconds it reads
// from /proc, which the Targets table of docs/BENCHMARKS.md splits the generation runs' CPU time by.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BroadcastChannel, Worker } from 'node:worker_threads';
import { osThreadId, THREAD_CHANNEL, threadCpuSeconds } from '../../bench/child-util.mjs';

const linux = process.platform === 'linux';

test('the main thread is the process itself; its CPU time grows with work', { skip: !linux && 'reads /proc' }, () => {
  const tid = osThreadId();
  assert.equal(tid, process.pid);
  const before = threadCpuSeconds(process.pid)!;
  const t0 = performance.now();
  let x = 0;
  while (performance.now() - t0 < 120) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  const after = threadCpuSeconds(process.pid)!;
  // /proc counts in 10 ms ticks: 120 ms of busy work shows as at least ~0.08 s.
  assert.ok(after - before >= 0.08, `main thread CPU ${before} → ${after}`);
  assert.equal(threadCpuSeconds(2 ** 30), undefined);
});

test('bench/worker-probe.mjs tells the driving thread its thread id, whose CPU time is its own', { skip: !linux && 'reads /proc' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlexam-threads-'));
  const entry = join(dir, 'busy.mjs');
  // Stands in for the product's worker entry, which the probe imports after reporting.
  writeFileSync(entry, `import { parentPort } from 'node:worker_threads';
const t0 = performance.now(); let x = 0;
while (performance.now() - t0 < 150) x += Math.sqrt(x + 1);
parentPort.postMessage(x);
setInterval(() => {}, 1000);
`);
  const channel = new BroadcastChannel(THREAD_CHANNEL);
  const reported = new Promise<number>((resolve) => {
    channel.onmessage = (e) => resolve((e as { data: number }).data);
  });
  const w = new Worker(new URL('../../bench/worker-probe.mjs', import.meta.url), { argv: [pathToFileURL(entry).href] });
  try {
    const tid = await reported;
    assert.notEqual(tid, process.pid);
    await new Promise((resolve) => w.once('message', resolve));
    assert.ok(threadCpuSeconds(tid)! >= 0.1, `worker CPU ${threadCpuSeconds(tid)}`);
  } finally {
    channel.close();
    await w.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
});
