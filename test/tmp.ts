/**
 * Temporary directories for tests, removed when the test file's process exits (node:test runs each
 * file in its own process), so test runs leave nothing behind in the system's temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory `<tmp>/dlexam-<name>-XXXXXX`, removed at exit. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `dlexam-${name}-`));
  made.push(dir);
  return dir;
}
