import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { loadTf, TFJS_BUNDLE } from '../../src/verify/tensor.js';

const require = createRequire(import.meta.url);

test('the tensor backend is the installed @tensorflow/tfjs (its minified bundle), with chained ops, gradients and layers', async () => {
  const tf = await loadTf();
  const pkg = require('@tensorflow/tfjs/package.json') as { version: string };
  assert.equal(tf.version.tfjs, pkg.version);
  assert.ok(require.resolve(TFJS_BUNDLE).endsWith('tf.es2017.min.js'));
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(await loadTf(), tf, 'loaded once per thread');
  // Chained ops and gradient registrations are part of the bundle.
  const x = tf.tensor1d([1, 2, 3]);
  assert.deepEqual(Array.from(await x.sub(1).square().data()), [0, 1, 4]);
  const g = tf.grad((t) => t.square().sum())(x);
  assert.deepEqual(Array.from(await g.data()), [2, 4, 6]);
  const dense = tf.layers.dense({ units: 3, inputShape: [4] });
  tf.sequential({ layers: [dense] });
  assert.equal(dense.countParams(), 15);
});
