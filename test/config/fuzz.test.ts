import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/index.js';
import { withFiles } from './helpers.js';

const VALID = `include = ["services.d/*.toml"]

[log]
max_size = "10MB"
keep = 5

[services.web]
command = ["node", "server.js", "--port", "8080"]
cwd = "app"
env = { PORT = "8080", MODE = 'prod' }
env_file = ".env"
autostart = true
restart = "on-failure"
backoff = { initial = "100ms", max = "30s", reset_after = "60s" }
start_limit = { burst = 5, interval = "10s" }
success_codes = [0, 143]
no_restart_codes = [125]
stop = { signal = "SIGTERM", timeout = "1m30s" }
log = { max_size = 4096, keep = 2 }
requires = [{ service = "db", condition = "started" }, "init"]
wants = ["x"]
after = ["x"]
on_dependency_restart = "restart"
ready = { http = "http://127.0.0.1:8080/health", status = "200-299", interval = "500ms" }
ready_timeout = "1m"
liveness = { tcp = "localhost:8080", failure_threshold = 5 }
startup = { exec = ["./check", "--quick"], initial_delay = "1s" }
on_change = "defer"

[services."db.main"]
command = "redis-server --port 6380"
stop.signal = "INT"
provides = ["db"]
ready = { notify = true }
liveness.unix = "db.sock"

[services.init]
kind = "oneshot"
command = ["true"]
requires = [{ service = "x", condition = "completed" }]
ready = { log = '^done \d+$' }

[services.all]
kind = "target"
requires = ["web"]
wants = ["backup"]

[services.backup]
kind = "timer"
command = ["./backup", "--all"]
schedule = "30 */6 * * 1-5"
timezone = "Europe/Berlin"
overlap = "queue"
max_runs = 100
run_on_start = true
wants = ["db"]

[services.tick]
kind = "timer"
command = "date"
every = "5m"
after = ["backup"]
`;

const CHARS = [...'abc019 ="\'[]{},.#\n\\-_*?sm'];
const edit = fc.record({
  op: fc.constantFrom('delete', 'insert', 'replace'),
  at: fc.nat(),
  ch: fc.constantFrom(...CHARS),
});

function mutate(text: string, edits: { op: string; at: number; ch: string }[]): string {
  let s = text;
  for (const e of edits) {
    const i = s.length === 0 ? 0 : e.at % s.length;
    if (e.op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
    else if (e.op === 'insert') s = s.slice(0, i) + e.ch + s.slice(i);
    else s = s.slice(0, i) + e.ch + s.slice(i + 1);
  }
  return s;
}

test('the unmutated file is valid', () => {
  withFiles({ 'kelpie.toml': VALID, '.env': 'A=1\n', 'services.d/x.toml': '[services.x]\nkind = "oneshot"\ncommand = "x"\n' }, (dir) => {
    const r = loadConfig(join(dir, 'kelpie.toml'));
    assert.ok(r.ok, JSON.stringify(r));
  });
});

test('random edits of a valid file never throw; every issue is located and explained (property)', () => {
  withFiles({ '.env': 'A=1\nexport B="x"\n', 'services.d/x.toml': '[services.x]\nkind = "oneshot"\ncommand = "x"\n' }, (dir) => {
    const file = join(dir, 'kelpie.toml');
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
        writeFileSync(file, mutate(VALID, edits));
        const r = loadConfig(file);
        assert.ok(Object.isFrozen(r));
        if (r.ok) return;
        assert.ok(r.issues.length > 0);
        for (const i of r.issues) {
          assert.ok(i.file.length > 0, 'issue has a file');
          assert.ok(Number.isInteger(i.line) && i.line >= 0, 'issue has a line');
          assert.ok(Number.isInteger(i.column) && i.column >= 0, 'issue has a column');
          assert.ok(i.message.length > 0, 'issue has a message');
        }
      }),
      { numRuns: Number(process.env["KELPIE_FUZZ_RUNS"] ?? 200) },
    );
  });
});
