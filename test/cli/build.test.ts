import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDistEntry, sourceFingerprint, STAMP } from '../../bin/dist.mjs';
import { tempDir } from '../tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'dlexam.js');

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

test('the compiled build (scripts/build.mjs) runs generate with --jobs 2 to the same bytes as the sources through tsx; bin/ uses it only while it matches src/', () => {
  const out = `.test-dist-${process.pid}`;
  const dist = join(ROOT, out);
  const tmp = tempDir('build');
  try {
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    // One .js per .ts, the .mjs helpers, and a worker entry that loads the compiled worker.
    const built = files(dist);
    for (const f of files(join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) assert.ok(built.includes(f.replace(/\.ts$/, '.js')), f);
    assert.match(readFileSync(join(dist, 'exam', 'worker-boot.mjs'), 'utf8'), /import\('\.\/worker\.js'\)/);
    assert.equal(JSON.parse(readFileSync(join(dist, STAMP), 'utf8')).fingerprint, sourceFingerprint());
    assert.equal((freshDistEntry(ROOT, dist) as URL | undefined)?.pathname, join(dist, 'cli', 'main.js'));

    const env = { ...process.env, DLEXAM_SECRET: 'build-test-secret', DLEXAM_DEBUG: '' };
    const args = ['generate', 'question-banks/cnn-midterm.yaml', '--variants', '3', '--jobs', '2', '--moodle'];
    const compiled = spawnSync(process.execPath, [join(dist, 'cli', 'main.js'), ...args, '--out', join(tmp, 'a')], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(compiled.status, 0, compiled.stderr);
    const sources = spawnSync(process.execPath, [BIN, ...args, '--out', join(tmp, 'b')], { cwd: ROOT, encoding: 'utf8', env: { ...env, DLEXAM_SOURCES: '1' } });
    assert.equal(sources.status, 0, sources.stderr);
    const a = files(join(tmp, 'a'));
    assert.deepEqual(a, files(join(tmp, 'b')));
    assert.ok(a.some((f) => f.endsWith('-key.pdf')) && a.includes(join('cnn-midterm', 'moodle.xml')), a.join(' '));
    for (const f of a) assert.ok(readFileSync(join(tmp, 'a', f)).equals(readFileSync(join(tmp, 'b', f))), `${f} differs`);

    process.env['DLEXAM_SOURCES'] = '1';
    assert.equal(freshDistEntry(ROOT, dist), undefined, 'DLEXAM_SOURCES=1 runs the sources');
    delete process.env['DLEXAM_SOURCES'];
    // A build of other sources is stale (any edit changes the fingerprint); so is a forced DLEXAM_SOURCES=1.
    writeFileSync(join(dist, STAMP), JSON.stringify({ fingerprint: sourceFingerprint().replace(/\t\d+$/, '\t0') }));
    assert.equal(freshDistEntry(ROOT, dist), undefined);
    rmSync(join(dist, STAMP));
    assert.equal(freshDistEntry(ROOT, dist), undefined, 'no stamp: not used');
  } finally {
    rmSync(dist, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
});
