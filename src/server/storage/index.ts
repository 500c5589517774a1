/**
 * openStorage(target): one string picks the backend.
 *   "sqlite:PATH", "sqlite://PATH", "file:///PATH" or a plain PATH → SQLite file (created if missing)
 *   "sqlite::memory:" or ":memory:"                               → in-memory SQLite (not durable)
 *   "postgres://…" / "postgresql://…"                             → not available yet (clear error)
 * Error messages never repeat a URL: it may carry a password.
 */
import { fileURLToPath } from 'node:url';
import { SqliteStorage, type SqliteOptions } from './sqlite.js';
import { StorageError, type Storage, type StorageOptions } from './types.js';

export * from './types.js';
export { SqliteStorage, MIGRATIONS, SCHEMA_VERSION, type Migration, type SqliteOptions } from './sqlite.js';

export type StorageTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres' };

// At least two letters before "://", so a Windows drive ("C:\…") is never taken for a scheme.
const SCHEME = /^([a-z][a-z0-9+.-]+):\/\//i;

export function parseStorageTarget(target: string): StorageTarget {
  if (typeof target !== 'string' || target.trim() === '') throw new StorageError('INVALID_INPUT', 'storage: no database given (e.g. sqlite:data/dlexam.db)');
  const t = target.trim();
  if (/^sqlite:/i.test(t)) {
    const path = t.replace(/^sqlite:(\/\/)?/i, '');
    if (path === '') throw new StorageError('INVALID_INPUT', 'storage: "sqlite:" needs a file path (e.g. sqlite:data/dlexam.db)');
    return { kind: 'sqlite', path };
  }
  const scheme = SCHEME.exec(t)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'sqlite', path: t };
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres' };
  if (scheme === 'file') {
    try {
      return { kind: 'sqlite', path: fileURLToPath(t) };
    } catch (e) {
      throw new StorageError('INVALID_INPUT', `storage: not a usable file URL (${(e as Error).message})`);
    }
  }
  throw new StorageError('UNSUPPORTED', `storage: unknown database scheme "${scheme}://"; use sqlite:PATH (PostgreSQL support is planned)`);
}

export async function openStorage(target: string, options: StorageOptions = {}): Promise<Storage> {
  const t = parseStorageTarget(target);
  switch (t.kind) {
    case 'sqlite': {
      const o: SqliteOptions = { now: options.now, maxJsonBytes: options.maxJsonBytes, busyTimeoutMs: options.busyTimeoutMs };
      return SqliteStorage.open(t.path, o);
    }
    case 'postgres':
      throw new StorageError(
        'UNSUPPORTED',
        'storage: PostgreSQL is not available yet in this version of dlexam; use a SQLite file for now (e.g. sqlite:data/dlexam.db)',
      );
  }
}
