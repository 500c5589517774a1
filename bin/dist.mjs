// Whether dist/ (the compiled build of src/, written by scripts/build.mjs) matches the sources, so
// bin/dlexam.js can run it instead of compiling src/ through tsx on every start. Plain JavaScript:
// it runs before any loader is registered.
//
// Running the build saves memory in every thread (no tsx loader thread, no source maps or
// transformed sources kept: ~10 MB with one thread, ~50 MB with --jobs 2 at 1,000 variants) and
// start-up time. A stale or missing dist/ is never used: the sources then run through tsx as they are.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** Written last by the build: the fingerprint of the inputs it compiled. */
export const STAMP = 'BUILD.json';

/** Every file under `dir`, sorted (also the list of inputs scripts/build.mjs compiles). */
export function walk(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/**
 * Names, sizes and modification times of everything the build reads (src/, its settings and the
 * build script): cheap to compute (a stat per file), and any edit, added or removed file changes it.
 */
export function sourceFingerprint(root = ROOT) {
  const files = [...walk(join(root, 'src')), join(root, 'tsconfig.json'), join(root, 'scripts', 'build.mjs')];
  return files
    .map((f) => {
      const s = statSync(f);
      return `${relative(root, f)}\t${s.size}\t${Math.trunc(s.mtimeMs)}`;
    })
    .join('\n');
}

/** The compiled CLI entry when dist/ was built from the sources as they are now, else undefined. */
export function freshDistEntry(root = ROOT, dist = join(root, 'dist')) {
  if (process.env.DLEXAM_SOURCES === '1') return undefined;
  try {
    if (JSON.parse(readFileSync(join(dist, STAMP), 'utf8')).fingerprint !== sourceFingerprint(root)) return undefined;
  } catch {
    return undefined; // no build, or a source file vanished while we looked
  }
  return new URL(`file://${join(dist, 'cli', 'main.js')}`);
}
