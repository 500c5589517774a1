import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { families } from '../../src/families/index.js';
import { tempDir } from '../tmp.js';

const BIN = new URL('../../bin/dlexam.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, DLEXAM_DEBUG: '' } });

test('families --json lists every registered family with a parameter schema', () => {
  const r = run('families', '--json');
  assert.equal(r.status, 0, r.stderr);
  type Schema = { type?: string; properties?: object; anyOf?: Schema[]; oneOf?: Schema[] };
  const rows = JSON.parse(r.stdout) as { id: string; params: Schema; answerKinds: string[] }[];
  assert.deepEqual(rows.map((x) => x.id), families.map((f) => f.id));
  for (const row of rows) {
    // An object schema, or a union of object schemas (families with several question variants).
    const objects = row.params.type === 'object' ? [row.params] : (row.params.anyOf ?? row.params.oneOf ?? []);
    assert.ok(objects.length > 0, `${row.id}: ${JSON.stringify(row.params).slice(0, 200)}`);
    for (const o of objects) assert.ok(o.type === 'object' && Object.keys(o.properties ?? {}).length > 0, row.id);
    assert.ok(row.answerKinds.length > 0, row.id);
  }
});

test('solve --json prints exact answer, steps and verification', () => {
  const params = { framework: 'keras', op: 'conv', input: [64, 64], channels: 3, filters: 32, kernel: 5, stride: 2, padding: 'valid' };
  const r = run('solve', 'conv-output-shape', '--params', JSON.stringify(params), '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.answer[0].answer.value, [30, 30, 32]);
  assert.equal(out.verification.ok, true);
  assert.ok(out.steps.length >= 2);
});

test('invalid --params: clear message naming the field, exit 2, no stack trace', () => {
  const r = run('solve', 'conv-output-shape', '--params', '{"framework":"keras","op":"conv","input":[32],"channels":3,"kernel":3,"stride":0,"padding":"valid","filters":4}');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /invalid params for conv-output-shape/);
  assert.match(r.stderr, /stride:/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
  const bad = run('solve', 'conv-output-shape', '--params', '{not json');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--params is not valid JSON/);
});

test('unknown family suggests the closest id', () => {
  const r = run('sample', 'conv-output-shap');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /did you mean "conv-output-shape"/);
});

test('sample is deterministic for a seed and verify exits 0 when all agree', () => {
  const a = run('sample', 'conv-output-shape', '--seed', '42', '--json');
  const b = run('sample', 'conv-output-shape', '--seed', '42', '--json');
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const v = run('verify', '--seeds', '30');
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /instances agree/);
});

test('generate through the bin (restarted with its V8 flags): files, exit status, clear errors', async () => {
  const { existsSync, readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const out = tempDir('bin');
  const ok = spawnSync(process.execPath, [BIN, 'generate', 'question-banks/cnn-midterm.yaml', '--variants', '2', '--no-pdf', '--out', out], { encoding: 'utf8', env: { ...process.env, DLEXAM_SECRET: 'bin-test-secret-123' } });
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(existsSync(join(out, 'cnn-midterm', 'exam.json')));
  assert.match(ok.stdout, /2 variant\(s\)/);
  const bad = run('generate', 'question-banks/no-such-spec.yaml', '--demo', '--out', out);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /cannot read spec question-banks\/no-such-spec\.yaml/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  // A signal to the bin reaches the generating process: it stops, and no half-written exam.json is left.
  const { spawn } = await import('node:child_process');
  const killed = join(out, 'killed');
  const p = spawn(process.execPath, [BIN, 'generate', 'question-banks/cnn-midterm.yaml', '--variants', '400', '--jobs', '1', '--out', killed], { env: { ...process.env, DLEXAM_SECRET: 'bin-test-secret-123' }, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 2500));
  p.kill('SIGTERM');
  const [code, signal] = await new Promise<[number | null, string | null]>((r) => p.on('exit', (c, s) => r([c, s])));
  assert.ok(signal === 'SIGTERM' || (code !== null && code !== 0), `stopped (code ${code}, signal ${signal})`);
  assert.ok(!existsSync(join(killed, 'cnn-midterm', 'exam.json')), 'no exam.json from a stopped run');
  if (existsSync(join(killed, 'cnn-midterm'))) assert.ok(!readdirSync(join(killed, 'cnn-midterm')).includes('exam.json'));
});

test('the CLI loads a command’s implementation only when that command runs (help and errors answer at once)', () => {
  // Building the program (what --help and argument errors need) must not load the server, the
  // generator, the families or TensorFlow.js: CommonJS packages show up in require.cache.
  const script = `
    const { buildProgram } = await import(${JSON.stringify(new URL('../../src/cli/main.ts', import.meta.url).href)});
    buildProgram();
    const { createRequire } = await import('node:module');
    const loaded = Object.keys(createRequire(import.meta.url).cache).map((k) => k.split('/node_modules/').pop().split('/')[0]);
    process.stdout.write(JSON.stringify([...new Set(loaded)]));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, DLEXAM_CLI: '' } });
  assert.equal(r.status, 0, r.stderr);
  const loaded = JSON.parse(r.stdout) as string[];
  assert.ok(loaded.includes('commander'), r.stdout);
  for (const heavy of ['express', 'better-sqlite3', '@tensorflow', 'pdfkit', 'fontkit', 'yaml', 'seedrandom', 'csv-parse']) assert.ok(!loaded.includes(heavy), `${heavy} loaded: ${r.stdout}`);
});

test('generate’s summary lists a few codes in full and points to key.csv for many', async () => {
  const { codesLine } = await import('../../src/cli/generate.js');
  assert.equal(codesLine(['AAAAAA', 'BBBBBB'], 'k.csv'), 'AAAAAA BBBBBB');
  const many = Array.from({ length: 30 }, (_, i) => `C${String(i).padStart(5, '0')}`);
  assert.equal(codesLine(many, 'out/x/keys/key.csv'), `${many.slice(0, 10).join(' ')} … (30 in all: out/x/keys/key.csv)`);
});
