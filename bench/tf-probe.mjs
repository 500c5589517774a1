// Benchmark probe (never imported by the product): counts TensorFlow.js engine creations and
// backend initialisations in the current thread by trapping the global `_tfengine` that
// tfjs-core's getOrMakeEngine() sets once per JavaScript realm (process main thread or worker).
// Each event is appended as one JSON line to `logFile`, so worker threads report too.
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

export function installTfProbe(logFile) {
  if (!logFile) return;
  const log = (event) => appendFileSync(logFile, `${JSON.stringify({ thread: threadId, pid: process.pid, at: performance.now(), ...event })}\n`);
  let engine;
  Object.defineProperty(globalThis, '_tfengine', {
    configurable: true,
    enumerable: false,
    get: () => engine,
    set: (v) => {
      engine = v;
      log({ event: 'engine' });
      if (v && typeof v.initializeBackend === 'function') {
        const original = v.initializeBackend;
        v.initializeBackend = function (name) {
          const t0 = performance.now();
          const r = original.call(this, name);
          log({ event: 'backend', backend: name, ms: performance.now() - t0 });
          return r;
        };
      }
    },
  });
}
