import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import {
  MIGRATIONS,
  SCHEMA_VERSION,
  SqliteStorage,
  StorageError,
  openStorage,
  parseStorageTarget,
  type NewSubmission,
  type ScoreResult,
  type Storage,
  type StorageErrorCode,
} from '../../src/server/storage/index.js';
import { tempDir } from '../tmp.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

const tmpDb = (name = 'dlexam.db') => join(tempDir('storage'), name);

/** A clock that advances one second per call, from a fixed instant. */
function fakeClock(start = '2025-01-15T09:00:00.000Z') {
  let t = Date.parse(start);
  return () => new Date((t += 1000));
}

async function withStorage(fn: (s: SqliteStorage, file: string) => Promise<void>, options: Parameters<typeof SqliteStorage.open>[1] = {}, file = tmpDb()) {
  const s = SqliteStorage.open(file, { now: fakeClock(), ...options });
  try {
    await fn(s, file);
  } finally {
    await s.close();
  }
}

async function registerExam(s: Storage, id = 'cnn-midterm') {
  await s.upsertExam({ id, title: 'CNN midterm', mode: 'exam', sha256: SHA_A });
}

/**
 * A database with the exam registered, storage opened on it with `options`, and a second connection
 * holding the write lock; `unlock()` releases the lock (if still held) and closes that connection.
 */
async function lockedStorage(options: Parameters<typeof SqliteStorage.open>[1], o: { warm?: boolean } = {}) {
  const file = tmpDb();
  await withStorage(async (s) => registerExam(s), {}, file);
  const s = SqliteStorage.open(file, options);
  // warm: one submission first (id 1), so the writer thread is running before the lock is taken.
  if (o.warm) await s.addSubmission(sub({ student: 'warm-up' }));
  const blocker = new Database(file);
  blocker.prepare('BEGIN IMMEDIATE').run();
  const unlock = () => {
    if (blocker.inTransaction) blocker.prepare('ROLLBACK').run();
    blocker.close();
  };
  return { file, s, blocker, unlock };
}

const sub = (over: Partial<NewSubmission> = {}): NewSubmission => ({
  exam: 'cnn-midterm',
  code: 'AB12CD',
  student: 's001',
  answers: { '1.shape': '(30, 30, 32)' },
  result: { total: 3, max: 10, detail: { questions: [{ number: 1, points: 3 }] } },
  ip: '127.0.0.1',
  ...over,
});

async function rejects(p: Promise<unknown>, code: StorageErrorCode, message?: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StorageError, `expected StorageError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

function rawRows<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

// ---------------------------------------------------------------------------------------------

describe('schema migrations', () => {
  test('a fresh file gets every migration once; reopening is idempotent and keeps the data', async () => {
    const file = tmpDb();
    for (let round = 0; round < 3; round++) {
      const s = SqliteStorage.open(file);
      assert.equal(s.schemaVersion, SCHEMA_VERSION);
      if (round === 0) {
        await registerExam(s);
        await s.addSubmission(sub());
      }
      assert.equal((await s.listSubmissions('cnn-midterm')).length, 1);
      await s.close();
    }
    const applied = rawRows<{ version: number; name: string }>(file, 'SELECT version, name FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      applied,
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
    );
    assert.equal(rawRows<{ user_version: number }>(file, 'PRAGMA user_version')[0]!.user_version, SCHEMA_VERSION);
    const tables = rawRows<{ name: string }>(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((r) => r.name);
    assert.deepEqual(tables, ['exams', 'grade_history', 'schema_migrations', 'submissions']);
  });

  test('an old database is upgraded step by step (v1 → current) without touching its rows', async () => {
    // A file exactly as a dlexam that only knew migration 1 left it.
    const file = tmpDb();
    const raw = new Database(file);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
    raw.exec(MIGRATIONS[0]!.sql);
    raw.prepare("INSERT INTO schema_migrations VALUES (1, ?, '2024-09-01T00:00:00.000Z')").run(MIGRATIONS[0]!.name);
    raw.prepare("INSERT INTO exams VALUES ('cnn-midterm', 'Old', 'exam', ?, 't0', 't0')").run(SHA_A);
    raw.prepare(`INSERT INTO submissions (exam_id, variant_code, student, attempt, answers_json, total, max, score_json, created_at)
                 VALUES ('cnn-midterm', 'AB12CD', 's001', 1, '{"1.a":"7/4"}', 2, 4, '{"total":2,"max":4}', 't1')`).run();
    raw.close();
    const s = SqliteStorage.open(file);
    assert.equal(s.schemaVersion, SCHEMA_VERSION);
    const [old] = await s.listSubmissions('cnn-midterm');
    assert.deepEqual(old?.answers, { '1.a': '7/4' });
    assert.equal((await s.addSubmission(sub())).attempt, 2);
    await s.updateScores('cnn-midterm', [{ id: 1, result: { total: 4, max: 4 } }]);
    assert.equal((await s.gradeHistory(1)).length, 1);
    await s.close();
    assert.deepEqual(
      rawRows<{ version: number }>(file, 'SELECT version FROM schema_migrations ORDER BY version').map((r) => r.version),
      range(SCHEMA_VERSION),
    );
  });

  test('a database from a newer dlexam is refused with a clear error, and left untouched', async () => {
    const file = tmpDb();
    await (await openStorage(file)).close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', '2030-01-01T00:00:00.000Z')").run(SCHEMA_VERSION + 1);
    raw.close();
    await rejects(openStorage(file), 'SCHEMA_TOO_NEW', new RegExp(`version ${SCHEMA_VERSION + 1} is newer than this dlexam understands \\(${SCHEMA_VERSION}\\)`));
    assert.equal(rawRows(file, 'SELECT * FROM schema_migrations').length, SCHEMA_VERSION + 1);
  });

  test('a failing migration rolls back the whole upgrade', async () => {
    const file = tmpDb();
    const broken = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); SELECT no_such_column FROM exams;' }];
    await rejects(Promise.resolve().then(() => SqliteStorage.open(file, { migrations: broken })), 'MIGRATION_FAILED', /migration 3 \(broken\) failed, nothing was changed/);
    // Nothing at all was applied: not even the good migrations that ran in the same transaction.
    const tables = rawRows<{ name: string }>(file, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r.name);
    assert.ok(!tables.includes('half_done') && !tables.includes('exams'), tables.join(','));
    // And the real code still opens it afterwards.
    const s = SqliteStorage.open(file);
    assert.equal(s.schemaVersion, SCHEMA_VERSION);
    await s.close();
  });

  test("a schema history that is not ours is refused", async () => {
    const file = tmpDb();
    await (await openStorage(file)).close();
    const raw = new Database(file);
    raw.prepare("UPDATE schema_migrations SET name = 'somebody else' WHERE version = 1").run();
    raw.close();
    await rejects(openStorage(file), 'MIGRATION_FAILED', /schema history does not match/);
  });

  test('a file that is not a database, or a missing folder, fails to open clearly', async () => {
    const file = tmpDb('exam.json');
    writeFileSync(file, JSON.stringify({ not: 'a database' }).repeat(200));
    await rejects(openStorage(file), 'OPEN_FAILED', /not a SQLite database/);
    assert.equal(readFileSync(file, 'utf8').slice(0, 6), '{"not"');
    await rejects(openStorage(join(tmpDb(), 'no', 'such', 'dir.db')), 'OPEN_FAILED', /does not exist/);
  });
});

describe('connection settings', () => {
  test('WAL, synchronous=FULL, foreign keys and busy timeout are on; the WAL file exists after a write', async () => {
    await withStorage(
      async (s, file) => {
        assert.deepEqual(s.pragmas(), { journalMode: 'wal', synchronous: 'FULL', foreignKeys: true, busyTimeoutMs: 1234 });
        await registerExam(s);
        await s.addSubmission(sub());
        assert.ok(existsSync(`${file}-wal`), 'a -wal file next to the database');
        assert.ok(statSync(`${file}-wal`).size > 0);
        assert.equal(rawRows<{ journal_mode: string }>(file, 'PRAGMA journal_mode')[0]!.journal_mode, 'wal');
      },
      { busyTimeoutMs: 1234 },
    );
  });

  test('foreign keys hold even when bypassing the adapter’s own check', async () => {
    await withStorage(async (_s, file) => {
      const raw = new Database(file);
      raw.pragma('foreign_keys = ON');
      assert.throws(
        () => raw.prepare("INSERT INTO submissions (exam_id, variant_code, student, attempt, answers_json, created_at) VALUES ('ghost', 'X', 's', 1, '{}', 'now')").run(),
        /FOREIGN KEY/,
      );
      raw.close();
    });
  });

  test('a writer blocked longer than busy_timeout gets BUSY and writes nothing; it works once the lock is gone', async () => {
    const { s, unlock } = await lockedStorage({ busyTimeoutMs: 50 });
    try {
      await rejects(s.addSubmission(sub()), 'BUSY', /locked/);
    } finally {
      unlock();
    }
    assert.equal(await s.countAttempts('cnn-midterm', 's001'), 0);
    assert.equal((await s.addSubmission(sub())).attempt, 1);
    await s.close();
  });

  test('close is idempotent and later calls reject with CLOSED', async () => {
    const s = SqliteStorage.open(tmpDb());
    await s.close();
    await s.close();
    await rejects(s.listExams(), 'CLOSED');
    await rejects(s.addSubmission(sub()), 'CLOSED');
  });
});

describe('exams', () => {
  test('upsertExam reports created / changed, listExams counts submissions, the clock is injected', async () => {
    await withStorage(
      async (s) => {
        assert.deepEqual(await s.upsertExam({ id: 'b-exam', title: 'B', mode: 'practice', sha256: SHA_A }), { created: true, changed: false });
        assert.deepEqual(await s.upsertExam({ id: 'a-exam', title: 'A', mode: 'exam', sha256: SHA_A }), { created: true, changed: false });
        assert.deepEqual(await s.upsertExam({ id: 'a-exam', title: 'A', mode: 'exam', sha256: SHA_A }), { created: false, changed: false });
        assert.deepEqual(await s.upsertExam({ id: 'a-exam', title: 'A v2', mode: 'exam', sha256: SHA_B }), { created: false, changed: true, previousSha256: SHA_A });
        await s.addSubmission(sub({ exam: 'a-exam' }));
        const exams = await s.listExams();
        assert.deepEqual(
          exams.map((e) => [e.id, e.title, e.mode, e.sha256, e.submissionCount]),
          [
            ['a-exam', 'A v2', 'exam', SHA_B, 1],
            ['b-exam', 'B', 'practice', SHA_A, 0],
          ],
        );
        const a = await s.getExam('a-exam');
        assert.equal(a?.firstLoadedAt, '2025-01-01T00:00:02.000Z');
        assert.equal(a?.loadedAt, '2025-01-01T00:00:04.000Z');
        assert.equal(await s.getExam('nope'), undefined);
      },
      { now: fakeClock('2025-01-01T00:00:00.000Z') },
    );
  });

  test('bad exam records are refused', async () => {
    await withStorage(async (s) => {
      await rejects(s.upsertExam({ id: 'x', title: 'X', mode: 'exam', sha256: 'not-a-hash' }), 'INVALID_INPUT', /exam\.sha256/);
      await rejects(s.upsertExam({ id: '', title: 'X', mode: 'exam', sha256: SHA_A }), 'INVALID_INPUT', /exam\.id/);
      await rejects(s.upsertExam({ id: 'x', title: 'X', mode: 'homework' as 'exam', sha256: SHA_A }), 'INVALID_INPUT', /exam\.mode/);
      assert.deepEqual(await s.listExams(), []);
    });
  });
});

describe('submissions', () => {
  test('add, get, list (by student, by code), count; fields round-trip exactly', async () => {
    await withStorage(async (s) => {
      await registerExam(s); // tick 1 of the fake clock
      const a = await s.addSubmission(sub());
      const b = await s.addSubmission(sub({ student: 's002', code: 'ZZ99ZZ', result: null, ip: null }));
      const c = await s.addSubmission(sub({ answers: { '1.shape': '(28, 28, 32)' }, ip: '::1' }));
      assert.deepEqual(a, { id: 1, attempt: 1, createdAt: '2025-01-15T09:00:02.000Z' });
      assert.deepEqual(b, { id: 2, attempt: 1, createdAt: '2025-01-15T09:00:03.000Z' });
      assert.deepEqual(c, { id: 3, attempt: 2, createdAt: '2025-01-15T09:00:04.000Z' });

      assert.deepEqual(await s.getSubmission(3), {
        id: 3,
        exam: 'cnn-midterm',
        code: 'AB12CD',
        student: 's001',
        attempt: 2,
        answers: { '1.shape': '(28, 28, 32)' },
        result: { total: 3, max: 10, detail: { questions: [{ number: 1, points: 3 }] } },
        createdAt: '2025-01-15T09:00:04.000Z',
        ip: '::1',
      });
      const ungraded = await s.getSubmission(2);
      assert.equal(ungraded?.result, null);
      assert.equal(ungraded?.ip, null);
      assert.equal(await s.getSubmission(99), undefined);

      assert.deepEqual((await s.listSubmissions('cnn-midterm')).map((x) => x.id), [1, 2, 3]);
      assert.deepEqual((await s.listSubmissions('cnn-midterm', { student: 's001' })).map((x) => x.attempt), [1, 2]);
      assert.deepEqual((await s.listSubmissions('cnn-midterm', { code: 'ZZ99ZZ' })).map((x) => x.student), ['s002']);
      assert.deepEqual(await s.listSubmissions('other-exam'), []);
      assert.equal(await s.countAttempts('cnn-midterm', 's001'), 2);
      assert.equal(await s.countAttempts('cnn-midterm', 's002'), 1);
      assert.equal(await s.countAttempts('cnn-midterm', 'nobody'), 0);
    });
  });

  test('attempts are counted per exam and per exact student id', async () => {
    await withStorage(async (s) => {
      await registerExam(s, 'e1');
      await registerExam(s, 'e2');
      assert.equal((await s.addSubmission(sub({ exam: 'e1' }))).attempt, 1);
      assert.equal((await s.addSubmission(sub({ exam: 'e2' }))).attempt, 1);
      assert.equal((await s.addSubmission(sub({ exam: 'e1', student: 'S001' }))).attempt, 1);
      assert.equal((await s.addSubmission(sub({ exam: 'e1' }))).attempt, 2);
    });
  });

  test('a submission for an unregistered exam is refused (UNKNOWN_EXAM)', async () => {
    await withStorage(async (s) => {
      await rejects(s.addSubmission(sub({ exam: 'never-loaded' })), 'UNKNOWN_EXAM', /upsertExam/);
    });
  });

  test('bad input is refused with INVALID_INPUT / TOO_LARGE and nothing is written', async () => {
    await withStorage(
      async (s, file) => {
        await registerExam(s);
        const circular: Record<string, unknown> = { a: 1 };
        circular.self = circular;
        let deep: unknown = 'bottom';
        for (let i = 0; i < 100; i++) deep = [deep];
        const cases: [string, unknown, RegExp][] = [
          ['empty student', sub({ student: '' }), /student: must not be empty/],
          ['padded student', sub({ student: ' s001' }), /student: must not start or end with whitespace/],
          ['control char in student', sub({ student: 's\u000001' }), /control characters/],
          ['lone surrogate in student', sub({ student: 's\uD800' }), /lone surrogate/],
          ['student not a string', sub({ student: 42 as unknown as string }), /student/],
          ['unknown field', { ...sub(), grade: 'A' }, /Unrecognized key/],
          ['NaN total', sub({ result: { total: NaN, max: 10 } }), /result\.total/],
          ['infinite max', sub({ result: { total: 1, max: Infinity } }), /result\.max/],
          ['negative max', sub({ result: { total: 1, max: -1 } }), /result\.max/],
          ['answers missing', sub({ answers: undefined }), /answers is missing/],
          ['NaN in answers', sub({ answers: { a: [1, NaN] } }), /answers\.a\[1\] is NaN/],
          ['undefined in an answers array', sub({ answers: [1, undefined] }), /answers\[1\] is undefined/],
          ['Date in answers', sub({ answers: { when: new Date(0) } }), /answers\.when is not a plain object/],
          ['function in answers', sub({ answers: { f: () => 1 } }), /is a function/],
          ['bigint in answers', sub({ answers: { n: 1n } }), /is a bigint/],
          ['circular answers', sub({ answers: circular }), /answers\.self is circular/],
          ['too deep answers', sub({ answers: deep }), /nested deeper than 64/],
          ['lone surrogate in answers', sub({ answers: { a: 'x\uDC00' } }), /lone surrogate/],
          ['NaN in score detail', sub({ result: { total: 1, max: 2, detail: { q: NaN } } }), /result\.detail\.q is NaN/],
          ['maxAttempts 0', sub({ maxAttempts: 0 }), /maxAttempts/],
          ['fractional maxAttempts', sub({ maxAttempts: 1.5 }), /maxAttempts/],
          ['not an object', 'hello', /submission/],
        ];
        const wrong: string[] = [];
        for (const [name, input, message] of cases) {
          const outcome = await s.addSubmission(input as NewSubmission).then(
            () => 'accepted',
            (e: unknown) => (e instanceof StorageError && e.code === 'INVALID_INPUT' && message.test(e.message) ? 'ok' : String(e)),
          );
          if (outcome !== 'ok') wrong.push(`${name}: ${outcome}`);
        }
        assert.deepEqual(wrong, []);
        await rejects(s.addSubmission(sub({ answers: { big: 'x'.repeat(2000) } })), 'TOO_LARGE', /more than the limit of 1024/);
        await rejects(s.listSubmissions('cnn-midterm', { student: '' }), 'INVALID_INPUT');
        await rejects(s.getSubmission(0), 'INVALID_INPUT');
        await rejects(s.results('cnn-midterm', 'mean' as 'best'), 'INVALID_INPUT', /policy/);
        assert.equal(rawRows(file, 'SELECT * FROM submissions').length, 0);
        // An undefined object property is simply absent, as in any JSON.
        await s.addSubmission(sub({ answers: { a: '1', b: undefined } }));
        assert.deepEqual((await s.getSubmission(1))?.answers, { a: '1' });
      },
      { maxJsonBytes: 1024 },
    );
  });

  test('big and awkward answers JSON round-trips exactly', async () => {
    await withStorage(async (s) => {
      await registerExam(s);
      const matrix = Array.from({ length: 500 }, (_, i) => Array.from({ length: 500 }, (_, j) => `${i - j}/${j + 1}`));
      const answers = {
        matrix,
        unicode: 'σ′(z) ≥ 0 · ∂L/∂W — 学生 — 🧮',
        numbers: [0, -1.5, 1e-300, 1.7976931348623157e308, 0.1 + 0.2, Number.MAX_SAFE_INTEGER],
        quotes: 'he said "x\\y"\n\ttab',
        nested: { a: { b: { c: [true, false, null, {}] } } },
        '__proto__ key?': 'plain',
      };
      const { id } = await s.addSubmission(sub({ answers, result: { total: 7.25, max: 10, detail: answers } }));
      assert.ok(Buffer.byteLength(JSON.stringify(answers)) > 2_000_000);
      const back = await s.getSubmission(id);
      assert.deepEqual(back?.answers, answers);
      assert.deepEqual(back?.result, { total: 7.25, max: 10, detail: answers });
    });
  });
});

describe('attempt numbering under concurrency', () => {
  test('many parallel addSubmission calls on one connection: consecutive attempts, no duplicates', async () => {
    await withStorage(async (s) => {
      await registerExam(s);
      const added = await Promise.all(range(60).map((i) => s.addSubmission(sub({ student: i % 2 ? 'odd' : 'even', answers: { i } }))));
      for (const student of ['odd', 'even']) {
        const attempts = (await s.listSubmissions('cnn-midterm', { student })).map((x) => x.attempt);
        assert.deepEqual(attempts, range(30));
      }
      assert.equal(new Set(added.map((a) => a.id)).size, 60);
    });
  });

  test('two connections to one file, interleaved: attempts 1..n exactly once', async () => {
    const file = tmpDb();
    const a = SqliteStorage.open(file);
    const b = SqliteStorage.open(file);
    try {
      await registerExam(a);
      const added = await Promise.all(range(40).map((i) => (i % 2 ? a : b).addSubmission(sub({ answers: { i } }))));
      assert.deepEqual(added.map((x) => x.attempt).sort((x, y) => x - y), range(40));
      assert.deepEqual((await b.listSubmissions('cnn-midterm')).map((x) => x.attempt), range(40));
      assert.equal(await a.countAttempts('cnn-midterm', 's001'), 40);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('maxAttempts is enforced atomically: parallel submissions past the limit are refused', async () => {
    await withStorage(async (s) => {
      await registerExam(s);
      const settled = await Promise.allSettled(range(10).map(() => s.addSubmission(sub({ maxAttempts: 3 }))));
      const ok = settled.filter((r) => r.status === 'fulfilled');
      const refused = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(ok.length, 3);
      assert.ok(refused.every((r) => r.reason instanceof StorageError && r.reason.code === 'ATTEMPTS_EXHAUSTED'));
      assert.equal(await s.countAttempts('cnn-midterm', 's001'), 3);
    });
  });

  test('four processes hammering one student in one file: attempts 1..100, each exactly once', { timeout: 120_000 }, async () => {
    const file = tmpDb();
    await withStorage(async (s) => void (await s.upsertExam({ id: 'race', title: 'Race', mode: 'practice', sha256: SHA_A })), {}, file);
    const PER = 25;
    const children = range(4).map(() => spawn(process.execPath, ['--import', 'tsx', fixture('storage-hammer.ts'), file, 'racer', String(PER)], { cwd: REPO }));
    const lines = (c: ChildProcessWithoutNullStreams, prefix: string) =>
      new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        c.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith(prefix));
          if (line) resolve(line.slice(prefix.length).trim());
        });
        c.stderr.on('data', (d: Buffer) => (err += d.toString()));
        c.on('exit', (code) => reject(new Error(`child exited ${code} before "${prefix}": ${err}`)));
      });
    try {
      await Promise.all(children.map((c) => lines(c, 'READY')));
      const done = children.map((c) => lines(c, 'DONE '));
      for (const c of children) c.stdin.write('GO\n');
      const perChild = (await Promise.all(done)).map((json) => JSON.parse(json) as number[]);
      for (const attempts of perChild) {
        assert.equal(attempts.length, PER);
        assert.deepEqual([...attempts].sort((x, y) => x - y), attempts, 'each process sees its own attempts increase');
      }
      assert.deepEqual(perChild.flat().sort((x, y) => x - y), range(4 * PER));
      const rows = rawRows<{ attempt: number; answers_json: string }>(file, "SELECT attempt, answers_json FROM submissions WHERE student = 'racer' ORDER BY attempt");
      assert.deepEqual(rows.map((r) => r.attempt), range(4 * PER));
      // They really interleaved (not one process after the other), or the test proves little.
      const pids = rows.map((r) => (JSON.parse(r.answers_json) as { pid: number }).pid);
      const switches = pids.filter((p, i) => i > 0 && p !== pids[i - 1]).length;
      assert.ok(switches >= 3, `process switches: ${switches}`);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    }
  });
});

for (const writer of ['thread', 'inline'] as const)
  describe(`group commit (writer: ${writer})`, () => {
    test('submissions queued together are one transaction, in arrival order, and settle only after it', async () => {
      await withStorage(async (s, file) => {
        assert.equal(s.writer, writer);
        await registerExam(s);
        const before = s.commitStats.commits;
        let settled = 0;
        const ps = range(30).map((i) => s.addSubmission(sub({ student: `st${i % 3}`, answers: { i } })).finally(() => settled++));
        // Nothing is acknowledged before the commit, and nothing is in the file yet.
        await Promise.resolve();
        assert.equal(settled, 0);
        assert.equal(rawRows<{ n: number }>(file, 'SELECT COUNT(*) AS n FROM submissions')[0]!.n, 0);
        const added = await Promise.all(ps);
        assert.equal(s.commitStats.commits - before, 1);
        assert.deepEqual(
          added.map((a) => a.id),
          range(30),
        );
        assert.deepEqual(
          added.map((a) => a.attempt),
          range(30).map((i) => Math.floor((i - 1) / 3) + 1),
        );
        const rows = rawRows<{ id: number; answers_json: string }>(file, 'SELECT id, answers_json FROM submissions ORDER BY id');
        assert.deepEqual(
          rows.map((r) => (JSON.parse(r.answers_json) as { i: number }).i),
          range(30),
        );
      }, { writer });
    });

    test('one refused item does not affect the others of its batch', async () => {
      await withStorage(async (s) => {
        await registerExam(s);
        const before = s.commitStats.commits;
        const settled = await Promise.allSettled([
          s.addSubmission(sub({ student: 'a', maxAttempts: 1 })),
          s.addSubmission(sub({ student: 'a', maxAttempts: 1 })),
          s.addSubmission(sub({ exam: 'not-registered' })),
          s.addSubmission(sub({ student: 'b' })),
          s.addSubmission(sub({ student: 'a', maxAttempts: 2 })),
        ]);
        assert.deepEqual(
          settled.map((r) => (r.status === 'fulfilled' ? r.value.attempt : (r.reason as StorageError).code)),
          [1, 'ATTEMPTS_EXHAUSTED', 'UNKNOWN_EXAM', 1, 2],
        );
        assert.equal(s.commitStats.commits - before, 1);
        assert.equal((await s.listSubmissions('cnn-midterm')).length, 3);
      }, { writer });
    });

    test('a failed transaction rejects every item of the batch and writes none of them', async () => {
      const { s, unlock } = await lockedStorage({ busyTimeoutMs: 50, writer });
      try {
        const settled = await Promise.allSettled(range(5).map((i) => s.addSubmission(sub({ student: `b${i}` }))));
        assert.ok(settled.every((r) => r.status === 'rejected' && r.reason instanceof StorageError && r.reason.code === 'BUSY'));
      } finally {
        unlock();
      }
      assert.equal((await s.listSubmissions('cnn-midterm')).length, 0);
      await s.close();
    });

    test('reads, regrades and close() first commit what is queued', async () => {
      const file = tmpDb();
      const s = SqliteStorage.open(file, { writer });
      await registerExam(s);
      const first = s.addSubmission(sub());
      // Not awaited: the count still sees it, as it did when every call committed at once.
      assert.equal(await s.countAttempts('cnn-midterm', 's001'), 1);
      assert.equal((await first).attempt, 1);
      const queued = [s.addSubmission(sub()), s.addSubmission(sub())];
      await s.close();
      assert.deepEqual(
        (await Promise.all(queued)).map((a) => a.attempt),
        [2, 3],
      );
      assert.equal(rawRows<{ n: number }>(file, 'SELECT COUNT(*) AS n FROM submissions')[0]!.n, 3);
      await rejects(s.addSubmission(sub()), 'CLOSED');
    });

    test('validation refuses bad submissions before queueing, with the same errors', async () => {
      await withStorage(async (s) => {
        await registerExam(s);
        const good = s.addSubmission(sub({ student: 'ok' }));
        await rejects(s.addSubmission(sub({ student: ' padded' })), 'INVALID_INPUT', /submission\.student: must not start or end with whitespace/);
        await rejects(s.addSubmission(sub({ result: { total: Number.NaN, max: 1 } })), 'INVALID_INPUT', /submission\.result\.total/);
        await rejects(s.addSubmission(sub({ answers: { a: '\uD800' } })), 'INVALID_INPUT', /answers\.a contains a lone surrogate/);
        await rejects(s.addSubmission(sub({ result: { total: 1, max: 1, detail: { deep: [{ x: 1n }] } } })), 'INVALID_INPUT', /result\.detail\.deep\[0\]\.x is a bigint/);
        assert.equal((await good).attempt, 1);
      }, { writer });
    });
  });

describe('writer thread', () => {
  test('files commit on a writer thread, ":memory:" on this one', async () => {
    const s = SqliteStorage.open(tmpDb());
    const m = SqliteStorage.open(':memory:');
    try {
      assert.equal(s.writer, 'thread');
      assert.equal(m.writer, 'inline');
    } finally {
      await s.close();
      await m.close();
    }
  });

  test('while a commit waits for the write lock, this event loop keeps running', async () => {
    const { s, unlock } = await lockedStorage({ busyTimeoutMs: 400 });
    try {
      const ticks: number[] = [];
      const timer = setInterval(() => ticks.push(Date.now()), 10);
      const t0 = Date.now();
      await rejects(s.addSubmission(sub()), 'BUSY');
      clearInterval(timer);
      assert.ok(Date.now() - t0 >= 350, 'the writer waited for the lock');
      // The waiting happened on the writer thread: timers kept firing here meanwhile.
      assert.ok(ticks.length >= 10, `only ${ticks.length} timer ticks while the writer waited`);
    } finally {
      unlock();
      await s.close();
    }
  });

  test('batches handed over while the writer is committing go into its next transaction without waiting for this thread', async () => {
    // The writer thread is started first: on a loaded machine its start-up alone can outlast the
    // 50 ms below, and a writer that starts late finds all three batches at once (one transaction).
    const { file, s, blocker, unlock } = await lockedStorage({ busyTimeoutMs: 10_000 }, { warm: true });
    try {
      const before = s.commitStats.commits;
      // Three batches, from three turns of the event loop: the first waits for the lock in the
      // writer thread, the other two are handed over meanwhile.
      const first = range(3).map((i) => s.addSubmission(sub({ student: `a${i}` })));
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 50));
      const second = range(2).map((i) => s.addSubmission(sub({ student: `b${i}` })));
      await new Promise((r) => setImmediate(r));
      const third = [s.addSubmission(sub({ student: 'c1' }))];
      await new Promise((r) => setImmediate(r));
      blocker.prepare('ROLLBACK').run();
      // This event loop does not turn from here until all six rows are in the file: the writer
      // commits the batches that arrived meanwhile on its own.
      const reader = new Database(file, { readonly: true });
      const count = reader.prepare('SELECT COUNT(*) AS n FROM submissions').pluck();
      const t0 = Date.now();
      let n = 0;
      while ((n = count.get() as number) < 7 && Date.now() - t0 < 10_000) {
        /* busy: no event-loop turn */
      }
      reader.close();
      assert.equal(n, 7, 'the writer thread committed every batch handed over while this thread was busy');
      const added = await Promise.all([...first, ...second, ...third]);
      assert.deepEqual(
        added.map((a) => a.id),
        range(6).map((i) => i + 1),
      );
      // The first batch alone, then the two that waited together: two transactions.
      assert.equal(s.commitStats.commits - before, 2);
    } finally {
      unlock();
      await s.close();
    }
  });

  test('a writer thread that stops with batches in flight rejects them all; the next submission starts a new thread', async () => {
    const { s, unlock } = await lockedStorage({ busyTimeoutMs: 1500 });
    try {
      const first = s.addSubmission(sub({ student: 'x1' }));
      await new Promise((r) => setImmediate(r));
      const second = s.addSubmission(sub({ student: 'x2' }));
      await new Promise((r) => setImmediate(r));
      await (s as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      const settled = await Promise.allSettled([first, second]);
      assert.ok(settled.every((r) => r.status === 'rejected' && r.reason instanceof StorageError), JSON.stringify(settled));
      // The batch the thread had not started: "may not have been stored" (it was not).
      assert.match(((settled[1] as PromiseRejectedResult).reason as Error).message, /writer thread stopped/);
    } finally {
      unlock();
    }
    assert.equal((await s.addSubmission(sub({ student: 'x3' }))).attempt, 1);
    assert.deepEqual(
      (await s.listSubmissions('cnn-midterm')).map((r) => r.student),
      ['x3'],
    );
    await s.close();
  });

  test('the writer thread is not left running: a script that forgets close() still exits', async () => {
    const file = tmpDb();
    await withStorage(async (s) => registerExam(s), {}, file);
    const script = `import { SqliteStorage } from ${JSON.stringify(pathToFileURL(join(REPO, 'src/server/storage/index.ts')).href)};
      const s = SqliteStorage.open(${JSON.stringify(file)});
      const a = await s.addSubmission({ exam: 'cnn-midterm', code: 'AB12CD', student: 'x', answers: {}, result: null });
      process.stdout.write('ACK ' + a.attempt);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    assert.equal(code, 0);
    assert.equal(out, 'ACK 1');
  });
});

describe('durability', () => {
  test('an acknowledged submission survives SIGKILL right after the ACK', { timeout: 60_000 }, async () => {
    const file = tmpDb();
    await withStorage(async (s) => void (await s.upsertExam({ id: 'durable', title: 'Durable', mode: 'exam', sha256: SHA_A })), {}, file);
    const marker = `m-${process.pid}-${Date.now()}`;
    const child = spawn(process.execPath, ['--import', 'tsx', fixture('storage-ack.ts'), file, 'kenny', marker], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const ack = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ACK (\d+) (\d+)/.exec(out);
        if (m) {
          child.kill('SIGKILL'); // no chance to close, checkpoint or flush anything
          resolve(m[0]);
        }
      });
      child.on('exit', (code, signal) => reject(new Error(`child ended (${code ?? signal}) without ACK: ${stderr}`)));
    }).finally(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    assert.equal(await exited, 'SIGKILL');
    assert.equal(ack, 'ACK 1 1');
    // The row is in the WAL, not yet checkpointed into the main file: reopening must recover it.
    assert.ok(existsSync(`${file}-wal`));
    const s = await openStorage(file);
    try {
      const rows = await s.listSubmissions('durable', { student: 'kenny' });
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0]!.answers, { marker });
      assert.deepEqual(rows[0]!.result, { total: 1, max: 1 });
    } finally {
      await s.close();
    }
  });

  test('group commit: every acknowledged submission survives SIGKILL in the middle of a stream of batches', { timeout: 60_000 }, async () => {
    const file = tmpDb();
    await withStorage(async (s) => void (await s.upsertExam({ id: 'durable', title: 'Durable', mode: 'exam', sha256: SHA_A })), {}, file);
    const child = spawn(process.execPath, ['--import', 'tsx', fixture('storage-ack-batch.ts'), file], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const acks = await new Promise<{ id: number; student: string; attempt: number }[]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const lines = out.split('\n').filter((l) => l.startsWith('ACK '));
        if (lines.length >= 130) {
          child.kill('SIGKILL'); // mid-stream: later waves are queued or being committed
          resolve(lines.map((l) => l.split(' ')).map(([, id, student, attempt]) => ({ id: Number(id), student: student!, attempt: Number(attempt) })));
        }
      });
      child.on('exit', (code, signal) => reject(new Error(`child ended (${code ?? signal}) early: ${stderr}`)));
    }).finally(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    assert.equal(await exited, 'SIGKILL');
    const s = await openStorage(file);
    try {
      const rows = await s.listSubmissions('durable');
      const stored = new Map(rows.map((r) => [r.id, r]));
      for (const a of acks) {
        const r = stored.get(a.id);
        assert.ok(r, `acknowledged submission ${a.id} was lost`);
        assert.deepEqual([r.student, r.attempt], [a.student, a.attempt]);
      }
      // Attempts stay gap-free per student, whatever the kill interrupted.
      for (const st of ['s0', 's1', 's2', 's3', 's4']) {
        const attempts = rows.filter((r) => r.student === st).map((r) => r.attempt);
        assert.deepEqual(attempts, range(attempts.length));
      }
    } finally {
      await s.close();
    }
  });
});

describe('regrade (updateScores)', () => {
  async function threeSubmissions(s: Storage) {
    await registerExam(s);
    await registerExam(s, 'other');
    await s.addSubmission(sub({ student: 'a', result: { total: 1, max: 10 } }));
    await s.addSubmission(sub({ student: 'b', result: { total: 2, max: 10 } }));
    await s.addSubmission(sub({ student: 'c', result: null }));
    await s.addSubmission(sub({ exam: 'other', student: 'z' }));
  }
  const score = async (s: Storage, id: number) => (await s.getSubmission(id))?.result;

  test('applies all changes and keeps a history row per changed score', async () => {
    await withStorage(async (s) => {
      await threeSubmissions(s);
      const r = await s.updateScores(
        'cnn-midterm',
        [
          { id: 1, result: { total: 4, max: 10, detail: { fixed: 'q2 tolerance' } } },
          { id: 2, result: { total: 2, max: 10 } }, // same as stored: untouched
          { id: 3, result: { total: 9, max: 10 } },
        ],
        { reason: 'q2 key was wrong' },
      );
      assert.deepEqual(r, { changed: 2, unchanged: 1 });
      assert.deepEqual(await score(s, 1), { total: 4, max: 10, detail: { fixed: 'q2 tolerance' } });
      assert.deepEqual(await score(s, 3), { total: 9, max: 10 });
      const h1 = await s.gradeHistory(1);
      assert.equal(h1.length, 1);
      assert.deepEqual(h1[0]!.old, { total: 1, max: 10 });
      assert.deepEqual(h1[0]!.new, { total: 4, max: 10, detail: { fixed: 'q2 tolerance' } });
      assert.equal(h1[0]!.reason, 'q2 key was wrong');
      assert.match(h1[0]!.appliedAt, /^2025-01-15T09:00:\d\d\.000Z$/);
      assert.deepEqual(await s.gradeHistory(2), []);
      assert.equal((await s.gradeHistory(3))[0]!.old, null);
      // A second regrade stacks on top.
      await s.updateScores('cnn-midterm', [{ id: 1, result: { total: 5, max: 10 } }]);
      assert.deepEqual((await s.gradeHistory(1)).map((h) => [h.old?.total, h.new.total, h.reason]), [
        [1, 4, 'q2 key was wrong'],
        [4, 5, null],
      ]);
      assert.deepEqual(await s.updateScores('cnn-midterm', []), { changed: 0, unchanged: 0 });
    });
  });

  test('one bad id rolls back the whole batch (scores and history)', async () => {
    await withStorage(async (s, file) => {
      await threeSubmissions(s);
      const before = rawRows(file, 'SELECT * FROM submissions ORDER BY id');
      const batch = (bad: number) => [
        { id: 1, result: { total: 10, max: 10 } },
        { id: 2, result: { total: 10, max: 10 } },
        { id: bad, result: { total: 10, max: 10 } },
      ];
      await rejects(s.updateScores('cnn-midterm', batch(999)), 'NOT_FOUND', /submission 999 does not exist/);
      await rejects(s.updateScores('cnn-midterm', batch(4)), 'NOT_FOUND', /submission 4 does not exist in exam "cnn-midterm"/);
      await rejects(s.updateScores('cnn-midterm', [{ id: 1, result: { total: 10, max: 10 } }, { id: 1, result: { total: 9, max: 10 } }]), 'INVALID_INPUT', /twice/);
      await rejects(s.updateScores('cnn-midterm', [{ id: 1, result: { total: 10, max: 10 } }, { id: 2, result: { total: NaN, max: 10 } }]), 'INVALID_INPUT', /updates\.1\.result\.total/);
      assert.deepEqual(rawRows(file, 'SELECT * FROM submissions ORDER BY id'), before);
      assert.equal(rawRows(file, 'SELECT * FROM grade_history').length, 0);
    });
  });
});

describe('counting policy (last / best) and instructor results', () => {
  test('last = highest attempt; best = highest total, earliest on ties, graded before ungraded', async () => {
    await withStorage(async (s) => {
      await registerExam(s);
      const add = (student: string, total: number | null) =>
        s.addSubmission(sub({ student, result: total === null ? null : { total, max: 10 }, answers: { total } }));
      await add('carol', 4);
      await add('carol', 9);
      await add('carol', 6);
      await add('alice', 7);
      await add('alice', 7);
      await add('alice', 5);
      await add('bob', null);
      await add('bob', 2);
      await add('bob', null);
      await add('dave', null);
      await add('dave', null);

      const view = (rs: Awaited<ReturnType<Storage['results']>>) => rs.map((r) => [r.student, r.attempts, r.submission.attempt, r.submission.result?.total ?? null]);
      assert.deepEqual(view(await s.results('cnn-midterm', 'last')), [
        ['alice', 3, 3, 5],
        ['bob', 3, 3, null],
        ['carol', 3, 3, 6],
        ['dave', 2, 2, null],
      ]);
      assert.deepEqual(view(await s.results('cnn-midterm', 'best')), [
        ['alice', 3, 1, 7],
        ['bob', 3, 2, 2],
        ['carol', 3, 2, 9],
        ['dave', 2, 2, null],
      ]);
      const carol = await s.resultFor('cnn-midterm', 'carol', 'best');
      assert.equal(carol?.submission.result?.total, 9);
      assert.deepEqual(carol?.submission.answers, { total: 9 });
      assert.equal(await s.resultFor('cnn-midterm', 'nobody', 'last'), undefined);
      assert.deepEqual(await s.results('no-such-exam', 'best'), []);
    });
  });

  test('a regrade changes which attempt is best', async () => {
    await withStorage(async (s) => {
      await registerExam(s);
      await s.addSubmission(sub({ result: { total: 8, max: 10 } }));
      const second = await s.addSubmission(sub({ result: { total: 3, max: 10 } }));
      assert.equal((await s.resultFor('cnn-midterm', 's001', 'best'))?.submission.attempt, 1);
      await s.updateScores('cnn-midterm', [{ id: second.id, result: { total: 10, max: 10 } satisfies ScoreResult }]);
      assert.equal((await s.resultFor('cnn-midterm', 's001', 'best'))?.submission.attempt, 2);
    });
  });
});

describe('openStorage targets', () => {
  test('sqlite:, sqlite://, file:// and plain paths open SQLite; :memory: works', async () => {
    assert.deepEqual(parseStorageTarget('sqlite:data/x.db'), { kind: 'sqlite', path: 'data/x.db' });
    assert.deepEqual(parseStorageTarget('sqlite:///abs/x.db'), { kind: 'sqlite', path: '/abs/x.db' });
    assert.deepEqual(parseStorageTarget('SQLITE:rel.db'), { kind: 'sqlite', path: 'rel.db' });
    assert.deepEqual(parseStorageTarget('file:///tmp/a%20b.db'), { kind: 'sqlite', path: '/tmp/a b.db' });
    assert.deepEqual(parseStorageTarget('./out/subs.db'), { kind: 'sqlite', path: './out/subs.db' });
    assert.deepEqual(parseStorageTarget('C:\\data\\subs.db'), { kind: 'sqlite', path: 'C:\\data\\subs.db' });
    for (const target of [(f: string) => f, (f: string) => `sqlite:${f}`, (f: string) => pathToFileURL(f).href]) {
      const file = tmpDb();
      const s = await openStorage(target(file));
      assert.equal(s.description, `sqlite:${file}`);
      await registerExam(s);
      await s.addSubmission(sub());
      await s.close();
      assert.equal(rawRows(file, 'SELECT * FROM submissions').length, 1);
    }
    const mem = await openStorage('sqlite::memory:');
    await registerExam(mem);
    assert.equal((await mem.addSubmission(sub())).attempt, 1);
    await mem.close();
  });

  test('postgres:// is a clear "not available yet" error that does not echo the password', async () => {
    for (const url of ['postgres://grader:hunter2@db.example/dlexam', 'postgresql://grader:hunter2@localhost:5432/dlexam']) {
      await assert.rejects(openStorage(url), (e: unknown) => {
        assert.ok(e instanceof StorageError);
        assert.equal(e.code, 'UNSUPPORTED');
        assert.match(e.message, /PostgreSQL is not available yet/);
        assert.doesNotMatch(e.message, /hunter2/);
        return true;
      });
    }
    await rejects(openStorage('mysql://root:pw@h/db'), 'UNSUPPORTED', /unknown database scheme "mysql:\/\/"/);
    await rejects(openStorage(''), 'INVALID_INPUT', /no database given/);
    await rejects(openStorage('sqlite:'), 'INVALID_INPUT', /needs a file path/);
  });
});
