/**
 * PDF rendering alone: paper + key of many variants of bench/bench-spec.yaml, ms per exam.
 *
 *   npx tsx bench/pdf-render.ts [--variants 100] [--rounds 3] [--src DIR ...] [--hashes FILE] [--only N]
 *
 * The variants are assembled once (no verification, no PDFs; cached as JSON in the temporary
 * directory, so every run renders the same documents), then each round renders every variant's paper
 * and key to files. With several --src (e.g. a git worktree of an older commit's src/), the
 * renderers take turns round by round, so machine noise hits them alike; the ratio is printed.
 * --hashes FILE writes "stem sha256" lines of the last round's PDFs (output determinism checks);
 * --only N renders variant N alone (a fresh-process determinism check); --keep DIR keeps the PDFs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExamDoc, VariantDoc } from '../src/exam/types.js';
import { BENCH_SECRET } from './shared.js';

function argv(): { one: Record<string, string>; many: Record<string, string[]> } {
  const one: Record<string, string> = {};
  const many: Record<string, string[]> = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (!a[i]!.startsWith('--')) continue;
    const k = a[i]!.slice(2);
    const v = a[i + 1] ?? '';
    i++;
    one[k] = v;
    (many[k] ??= []).push(v);
  }
  return { one, many };
}

const { one, many } = argv();
const variants = Number(one['variants'] ?? 100);
const rounds = Number(one['rounds'] ?? 3);
const only = one['only'] ? Number(one['only']) : undefined;
const srcs = (many['src'] ?? [join(import.meta.dirname, '..', 'src')]).map((s) => resolve(s));
const work = join(tmpdir(), 'dlexam-pdf-bench');
const cache = join(work, `exam-${variants}.json`);

async function examDoc(): Promise<ExamDoc> {
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as ExamDoc;
  const { generateExam } = await import('../src/exam/generate.js');
  const r = await generateExam({
    spec: join(import.meta.dirname, 'bench-spec.yaml'),
    variants,
    out: join(work, 'gen'),
    secret: BENCH_SECRET,
    banksDir: join(import.meta.dirname, '..', 'question-banks', 'mc'),
    pdf: false,
    verify: false,
    jobs: 1,
  });
  mkdirSync(work, { recursive: true });
  writeFileSync(cache, JSON.stringify(r.exam));
  return r.exam;
}

type Render = (exam: ExamDoc, v: VariantDoc, mode: 'paper' | 'key', file: string) => Promise<void>;

const exam = await examDoc();
const shell: ExamDoc = { ...exam, variants: [] };
const chosen = only ? exam.variants.filter((v) => v.number === only) : exam.variants;
const renderers: { src: string; render: Render }[] = [];
for (const src of srcs) {
  const m = (await import(pathToFileURL(join(src, 'render', 'pdf', 'paper.ts')).href)) as { renderVariantPdf: Render };
  renderers.push({ src, render: m.renderVariantPdf });
}

async function renderAll(render: Render, dir: string): Promise<number> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  for (const v of chosen) {
    const stem = `${String(v.number).padStart(3, '0')}-${v.code}`;
    await render(shell, v, 'paper', join(dir, `${stem}.pdf`));
    await render(shell, v, 'key', join(dir, `${stem}-key.pdf`));
  }
  return performance.now() - t0;
}

const times: number[][] = renderers.map(() => []);
for (let r = 0; r < rounds; r++)
  for (const [i, { render }] of renderers.entries()) {
    const ms = await renderAll(render, join(work, `out-${i}`));
    times[i]!.push(ms / chosen.length);
  }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [i, { src }] of renderers.entries())
  console.log(`${src}: paper+key ${median(times[i]!).toFixed(1)} ms per exam (median of ${rounds}; rounds ${times[i]!.map((t) => t.toFixed(1)).join(', ')}; ${chosen.length} variants)`);
if (renderers.length > 1)
  for (let i = 1; i < renderers.length; i++) console.log(`ratio ${renderers[0]!.src} / ${renderers[i]!.src}: ${(median(times[0]!) / median(times[i]!)).toFixed(2)}×`);

const last = join(work, `out-${renderers.length - 1}`);
if (one['hashes']) {
  const lines = readdirSync(last)
    .sort()
    .map((f) => `${f} ${createHash('sha256').update(readFileSync(join(last, f))).digest('hex')}`);
  writeFileSync(one['hashes'], `${lines.join('\n')}\n`);
}
if (one['keep']) {
  rmSync(one['keep'], { recursive: true, force: true });
  mkdirSync(one['keep'], { recursive: true });
  for (const f of readdirSync(last)) writeFileSync(join(one['keep'], f), readFileSync(join(last, f)));
}
