// The chaos soak (scripts/soak.mjs, `npm run soak`) for 60 s, so CI exercises it: faults are
// injected, invariants checked all along, and nothing it started may be left alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ROOT, waitGone } from '../helpers/project.js';

const SECONDS = Number(process.env.KELPIE_SOAK_SECONDS ?? 60);

interface Summary {
  seed: number;
  seconds: number;
  faults: Record<string, number>;
  faultsTotal: number;
  requestsTotal: number;
  checks: Record<string, number>;
  checksTotal: number;
  numbered: { lines: number; runs: number };
  violations: Array<{ kind: string; detail: string; at: number }>;
}

test(`chaos soak for ${SECONDS} s: no invariant violated, nothing left alive`, async (t) => {
  const mark = randomUUID();
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [join(ROOT, 'scripts/soak.mjs'), '--seconds', String(SECONDS), '--json'], {
        cwd: ROOT,
        env: { ...process.env, KELPIE_TEST_MARK: mark },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      c.stdout.on('data', (d: Buffer) => (out += d));
      c.stderr.on('data', (d: Buffer) => (err += d));
      // Bounded: the soak, its checkpoints (each at most ~45 s when things go wrong) and down.
      const timer = setTimeout(() => c.kill('SIGINT'), (SECONDS + 150) * 1000);
      c.on('close', (exit) => {
        clearTimeout(timer);
        resolve({ code: exit, stdout: out, stderr: err });
      });
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    let s: Summary;
    try {
      s = JSON.parse(last) as Summary;
    } catch {
      assert.fail(`the soak printed no summary (exit ${code})\n${stdout}\n${stderr}`);
    }
    t.diagnostic(`seed ${s.seed}, ${s.seconds} s: ${s.faultsTotal} faults ${JSON.stringify(s.faults)}, ${s.requestsTotal} client requests, ${s.checksTotal} checks passed, ${s.numbered.lines} numbered lines from ${s.numbered.runs} runs`);
    assert.deepEqual(s.violations.map((v) => `[${v.at} s] ${v.kind}: ${v.detail}`), [], `invariants violated (replay with npm run soak -- --seconds ${SECONDS} --seed ${s.seed})`);
    assert.equal(code, 0, stderr);
    assert.ok(s.faultsTotal >= SECONDS * 2, `only ${s.faultsTotal} faults injected`);
    assert.ok((s.faults['service SIGKILL'] ?? 0) > 0 && (s.faults['controller SIGKILL'] ?? 0) + (s.faults['controller SIGSTOP/SIGCONT'] ?? 0) > 0, JSON.stringify(s.faults));
    assert.ok(s.requestsTotal >= SECONDS, `only ${s.requestsTotal} client requests`);
    assert.ok(s.numbered.lines > 0);
  } finally {
    const left = await waitGone(mark, 3000);
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    assert.deepEqual(left.map((p) => `${p.pid} ${p.cmd}`), [], 'processes left alive by the soak');
  }
});
