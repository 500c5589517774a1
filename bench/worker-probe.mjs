// Worker-thread entry used only by the benchmark (bench/gen-child.mjs swaps it in for the product's
// worker entry): install the TensorFlow.js probe in this thread, then run the real entry unchanged
// (its URL is the last argv entry; workerData is passed through untouched).
import { installTfProbe } from './tf-probe.mjs';

installTfProbe(process.env['BENCH_TF_LOG']);
await import(process.argv[process.argv.length - 1]);
