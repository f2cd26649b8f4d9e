// The V8 flags the daemons run with: added to a process's own, never overriding one given by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROLLER_NODE_FLAGS, KEEPER_NODE_FLAGS, withNodeFlags } from '../../src/os/node-flags.js';

test('withNodeFlags adds each flag the base lacks, after the base', () => {
  assert.deepEqual(withNodeFlags([], CONTROLLER_NODE_FLAGS), [...CONTROLLER_NODE_FLAGS]);
  assert.deepEqual(withNodeFlags(['--enable-source-maps'], KEEPER_NODE_FLAGS), ['--enable-source-maps', ...KEEPER_NODE_FLAGS]);
  // A detached keeper's own flags reach its controller once, not twice.
  assert.deepEqual(withNodeFlags([...KEEPER_NODE_FLAGS], CONTROLLER_NODE_FLAGS), [...CONTROLLER_NODE_FLAGS]);
});

test('withNodeFlags keeps a value given by hand, in either spelling', () => {
  assert.deepEqual(withNodeFlags(['--max-semi-space-size=16'], ['--max-semi-space-size=1']), ['--max-semi-space-size=16']);
  assert.deepEqual(withNodeFlags(['--max_semi_space_size=16'], ['--max-semi-space-size=1']), ['--max_semi_space_size=16']);
  assert.deepEqual(withNodeFlags(['--optimize-for-size'], ['--optimize-for-size']), ['--optimize-for-size']);
});
