import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../src/config/index.js';

test('formatIssue: file:line:column: field: message, then the hint', () => {
  assert.equal(
    formatIssue({
      file: 'kelpie.toml', line: 12, column: 11, field: 'services.web.restart',
      message: 'expected one of "always", "on-failure", "never", got "sometimes"', hint: 'did you mean "on-failure"?',
    }),
    'kelpie.toml:12:11: services.web.restart: expected one of "always", "on-failure", "never", got "sometimes"\n  hint: did you mean "on-failure"?',
  );
});

test('formatIssue leaves out an unknown position and an empty field', () => {
  assert.equal(formatIssue({ file: 'k.toml', line: 0, column: 0, field: '', message: 'cannot read config file k.toml: ENOENT' }), 'k.toml: cannot read config file k.toml: ENOENT');
  assert.equal(formatIssue({ file: 'k.toml', line: 3, column: 0, field: 'x', message: 'm' }), 'k.toml:3: x: m');
});
