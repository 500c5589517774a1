// Worker-thread entry used only by the benchmark (bench/gen-child.mjs swaps it in for the product's
// worker entry): install the TensorFlow.js probe in this thread, then run the real entry unchanged
// (its URL is the last argv entry; workerData is passed through untouched). It also tells the
// driving thread its OS thread id, so that its CPU time can be read from /proc.
import { BroadcastChannel } from 'node:worker_threads';
import { osThreadId, THREAD_CHANNEL } from './child-util.mjs';
import { installTfProbe } from './tf-probe.mjs';

installTfProbe(process.env['BENCH_TF_LOG']);
const channel = new BroadcastChannel(THREAD_CHANNEL);
channel.postMessage(osThreadId());
channel.close();
await import(process.argv[process.argv.length - 1]);
