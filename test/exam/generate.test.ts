import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { generateExam } from '../../src/exam/generate.js';
import type { ExamDoc } from '../../src/exam/types.js';
import { tempDir } from '../tmp.js';

const SPEC = 'question-banks/cnn-midterm.yaml';
const SECRET = 'test-secret-0123456789';

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const pdftotext = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
const squash = (s: string) => s.replace(/\s+/g, '');

test('same spec + secret → byte-identical outputs (exam.json, PDFs, keys)', async () => {
  const a = tempDir('a');
  const b = tempDir('b');
  await generateExam({ spec: SPEC, variants: 2, out: a, secret: SECRET, banksDir: 'question-banks/mc', pdf: true });
  await generateExam({ spec: SPEC, variants: 2, out: b, secret: SECRET, banksDir: 'question-banks/mc', pdf: true });
  const ha = hashTree(a);
  const hb = hashTree(b);
  assert.ok(Object.keys(ha).some((f) => f.endsWith('.pdf')));
  assert.deepEqual(ha, hb);
  // A different secret gives different variants and codes.
  const c = tempDir('c');
  const other = await generateExam({ spec: SPEC, variants: 2, out: c, secret: `${SECRET}-other`, banksDir: 'question-banks/mc', pdf: false });
  const first = JSON.parse(readFileSync(join(a, 'cnn-midterm', 'exam.json'), 'utf8')) as ExamDoc;
  assert.notDeepEqual(other.exam.variants.map((v) => v.code), first.variants.map((v) => v.code));
});

test('--jobs 2 (worker threads) gives the same bytes as one thread; the worker prints what this thread assembles', async () => {
  const one = tempDir('j1');
  const two = tempDir('j2');
  const o = { spec: SPEC, variants: 6, secret: SECRET, banksDir: 'question-banks/mc', pdf: true };
  // Progress counts finished variants (PDFs written), whichever thread printed them.
  const progress = (seen: number[]) => (done: number, total: number) => {
    assert.equal(total, 6);
    seen.push(done);
  };
  const seenOne: number[] = [];
  const a = await generateExam({ ...o, out: one, jobs: 1, onProgress: progress(seenOne) });
  assert.deepEqual(a.work, { assembledHere: 6, printedHere: 6, workers: [] });
  const seenTwo: number[] = [];
  const b = await generateExam({ ...o, out: two, jobs: 2, onProgress: progress(seenTwo) });
  assert.deepEqual(hashTree(two), hashTree(one));
  assert.deepEqual([seenOne, seenTwo], [[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]);
  assert.ok(!readdirSync(join(two, 'cnn-midterm', 'keys')).some((f) => f.includes('partial')), 'no partial files left');
  // A renderer: it never assembles (no TensorFlow.js in that thread); each variant is printed once.
  const w = b.work.workers;
  assert.equal(w.length, 1);
  assert.deepEqual([b.work.assembledHere, w[0]!.full, w[0]!.produced], [6, false, 0]);
  assert.equal(b.work.printedHere + w[0]!.printed, 6);
});

test('--jobs 3 with renderers promoted at once: they produce whole variants too, same bytes', async () => {
  const one = tempDir('p1');
  const three = tempDir('p3');
  // Enough variants that some are left when the workers are up (~0.5 s).
  const o = { spec: SPEC, variants: 40, secret: SECRET, banksDir: 'question-banks/mc', pdf: true };
  await generateExam({ ...o, out: one, jobs: 1 });
  const r = await generateExam({ ...o, out: three, jobs: 3, promoteAfter: { ms: 0, share: 0 } });
  assert.deepEqual(hashTree(three), hashTree(one));
  const w = r.work.workers;
  assert.deepEqual(w.map((x) => x.full), [true, true]);
  const produced = w.reduce((n, x) => n + x.produced, 0);
  assert.ok(produced > 0);
  assert.equal(r.work.assembledHere + produced, 40, 'every variant assembled once');
  assert.equal(r.work.printedHere + produced + w.reduce((n, x) => n + x.printed, 0), 40, 'and printed once');
});

test('papers and keys: codes on every page, every question, key answers equal exam.json', async () => {
  const dir = tempDir('pdf');
  const r = await generateExam({ spec: SPEC, variants: 2, out: dir, secret: SECRET, banksDir: 'question-banks/mc', pdf: true });
  for (const v of r.exam.variants) {
    const stem = `${String(v.number).padStart(3, '0')}-${v.code}`;
    const paper = pdftotext(join(r.dir, 'papers', `${stem}.pdf`));
    const key = pdftotext(join(r.dir, 'keys', `${stem}-key.pdf`));
    for (const [name, text] of [['paper', paper], ['key', key]] as const) {
      const pages = text.split('\f').filter((p) => p.trim());
      assert.ok(pages.length >= 2, `${name} has ${pages.length} pages`);
      pages.forEach((p, i) => {
        assert.match(p, new RegExp(`Variant ${v.code}`), `${name} page ${i + 1} lacks the variant code`);
        assert.match(p, new RegExp(`Page ${i + 1} of ${pages.length}`), `${name} page ${i + 1} numbering`);
      });
      for (const q of v.questions) assert.match(text, new RegExp(`Question ${q.number}\\b`), `${name} lacks question ${q.number}`);
    }
    // Every exact scalar/matrix answer of exam.json is printed in the key (boxes split tuples, so compare tokens).
    const keyFlat = squash(key);
    for (const q of v.questions)
      for (const p of q.parts) {
        const a = p.answer;
        const tokens = a.kind === 'scalar' ? [a.exact] : a.kind === 'matrix' ? a.exact.flat() : a.kind === 'vector' ? a.exact : a.kind === 'shape' ? a.value.filter((x) => x !== null).map(String) : [];
        for (const t of tokens) assert.ok(keyFlat.includes(squash(t)), `key of ${v.code} lacks ${p.id} = ${t} (question ${q.number})`);
      }
    // The paper never prints worked solutions.
    assert.doesNotMatch(paper, /Worked solution/);
    assert.match(key, /Worked solution/);
  }
  const csv = readFileSync(join(r.dir, 'keys', 'key.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length - 1, r.exam.variants.reduce((a, v) => a + v.questions.reduce((b, q) => b + q.parts.length, 0), 0));
});

test('200 variants generate, with distinct codes and verified answers', async () => {
  const dir = tempDir('200');
  const r = await generateExam({ spec: SPEC, variants: 200, out: dir, secret: SECRET, banksDir: 'question-banks/mc', pdf: false });
  assert.equal(r.exam.variants.length, 200);
  assert.equal(new Set(r.exam.variants.map((v) => v.code)).size, 200);
  for (const v of r.exam.variants) for (const q of v.questions) if (q.source.kind === 'family') assert.equal(q.verification?.ok, true, `${v.code} Q${q.number}`);
  const json = JSON.parse(readFileSync(join(r.dir, 'exam.json'), 'utf8')) as ExamDoc;
  assert.equal(json.schemaVersion, 1);
  assert.equal(json.variants.length, 200);
});

test('every example spec in question-banks/ generates and verifies', async () => {
  const { readdirSync: ls } = await import('node:fs');
  const specs = ls('question-banks').filter((f) => f.endsWith('.yaml'));
  assert.ok(specs.length >= 3, `only ${specs.length} example specs`);
  for (const f of specs) {
    const dir = tempDir('spec');
    const r = await generateExam({ spec: join('question-banks', f), variants: 3, out: dir, secret: SECRET, banksDir: 'question-banks/mc', pdf: false });
    assert.equal(r.exam.variants.length, 3, f);
    assert.ok(r.exam.totalPoints > 0, f);
    assert.equal(r.exam.totalPoints, r.exam.variants[0]!.questions.reduce((a, q) => a + q.points, 0), `${f}: total points`);
  }
});
