import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';

test('same seed, same stream; forks are independent of draws made before', () => {
  const a = new Rng('secret');
  const b = new Rng('secret');
  assert.deepEqual([a.next(), a.int(1, 6)], [b.next(), b.int(1, 6)]);
  const c = new Rng('x');
  const forkBefore = c.fork('q1').int(0, 1e9);
  c.next();
  c.next();
  assert.equal(c.fork('q1').int(0, 1e9), forkBefore);
  assert.notEqual(c.fork('q2').int(0, 1e9), forkBefore);
});

test('golden values: the stream must never change (exams are reproduced from it)', () => {
  const r = new Rng('dlexam');
  assert.deepEqual([r.int(0, 999), r.int(0, 999), r.int(0, 999)], [113, 95, 898]);
  assert.equal(new Rng('dlexam').fork('a').int(0, 999), 814);
});

test('int covers its inclusive range uniformly enough; pick/shuffle/sample behave', () => {
  const r = new Rng('u');
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[r.int(0, 3)]!++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `counts ${counts}`);
  assert.deepEqual([...r.shuffle([1, 2, 3, 4, 5])].sort(), [1, 2, 3, 4, 5]);
  assert.equal(new Set(r.sample([1, 2, 3, 4, 5], 3)).size, 3);
  assert.throws(() => r.int(3, 1), /bad range/);
  for (let i = 0; i < 200; i++) assert.notEqual(r.nonZeroInt(-1, 1), 0);
});
