#!/usr/bin/env node
// Entry point for the `dlexam` bin: runs the compiled build (dist/, see scripts/build.mjs) when it
// matches the sources, else the TypeScript sources through tsx (DLEXAM_SOURCES=1 forces the sources).
import { spawn } from 'node:child_process';
import { GENERATE_ENV, GENERATE_NODE_FLAGS } from '../src/exam/v8-flags.mjs';
import { freshDistEntry } from './dist.mjs';

// `generate` runs in a Node.js started with the V8 flags and malloc settings it is tuned for (see
// src/exam/v8-flags.mjs): they only take effect when a process starts. The child inherits the terminal (progress bar),
// gets this process's signals, and its exit status becomes ours.
const needsFlags = process.argv[2] === 'generate' && !GENERATE_NODE_FLAGS.every((f) => process.execArgv.includes(f)) && !process.env.DLEXAM_NO_REEXEC;
if (needsFlags) {
  const child = spawn(process.execPath, [...process.execArgv, ...GENERATE_NODE_FLAGS, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...GENERATE_ENV, ...process.env, DLEXAM_NO_REEXEC: '1' } });
  const forward = (signal) => () => child.kill(signal);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, forward(s));
  child.on('error', (e) => {
    console.error(`dlexam: cannot start Node.js for generate: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  process.env.DLEXAM_CLI = '1';
  const dist = freshDistEntry();
  if (dist) await import(dist.href);
  else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('../src/cli/main.ts');
  }
}
