import { describe, expect, it } from 'vitest';
import { containerSpecFor } from '../../../src/sandbox/container-spec.js';
import { type PreludeOutcome, type PreludeSpec, preludeExec } from '../../../src/sandbox/prelude.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { FakeEngine } from '../../helpers/fake-engine.js';
import { fixedIds, hardenedSpec } from '../../helpers/hardened-spec.js';

/**
 * The sandbox's prelude (the egress install phase's hook): it runs first, in the same
 * container, then `after` decides before the script's exec starts. The real container
 * and pip: test/integration/egress/install-phase.test.ts.
 */
function engine() {
  const e = new FakeEngine({ 'airlock-sandbox:local': 'sha256:x' });
  e.behaviours.set('install.py', { kind: 'exit', code: 3, stdout: 'report', stderr: 'ERROR: no' });
  return e;
}

function prelude(after: PreludeSpec['after']): PreludeSpec {
  return { command: ['python3', 'install.py'], timeoutSeconds: 30, maxOutputBytes: 1024, after };
}

describe('a prelude before the script, in the same container', () => {
  it('runs first; `after` sees its outcome before the script exec starts; then the script runs', async () => {
    const e = engine();
    const seen: { outcome?: PreludeOutcome; execsAtAfter?: string[] } = {};
    const r = await runHardened(
      hardenedSpec({
        prelude: prelude(async (outcome) => {
          seen.outcome = outcome;
          seen.execsAtAfter = [...e.executed];
          return null;
        }),
      }),
      e,
    );
    expect(seen.execsAtAfter).toEqual(['install.py']);
    expect(seen.outcome).toMatchObject({
      exitCode: 3,
      timedOut: false,
      stdout: 'report',
      stderr: 'ERROR: no',
    });
    expect(e.executed).toEqual(['install.py', 'plot.py']);
    expect(e.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
    expect(r.status).toBe('success');
  });

  it('a verdict from `after` ends the run with it: the script never runs', async () => {
    const e = engine();
    const r = await runHardened(
      hardenedSpec({ prelude: prelude(async () => ({ status: 'failure', reason: 'install phase: no' })) }),
      e,
    );
    expect(e.executed).toEqual(['install.py']);
    expect([r.status, r.reason, r.exitCode, r.stdout]).toEqual(['failure', 'install phase: no', null, '']);
    expect(e.calls.at(-1)).toMatch(/^remove /);
  });

  it('under runc the prelude is followed by a kill of what it left; under runsc it is not', () => {
    for (const runtime of ['runc', 'runsc'] as const) {
      const run = hardenedSpec({ prelude: prelude(async () => null) });
      const sandboxed = { ...run, sandbox: { ...run.sandbox, runtime } };
      const spec = containerSpecFor(sandboxed, fixedIds);
      const cfg = preludeExec(sandboxed, spec, sandboxed.prelude as PreludeSpec);
      expect(cfg.user).toEqual(spec.user);
      expect(cfg.cmd.slice(-2)).toEqual(['python3', 'install.py']);
      expect(cfg.cmd.join(' ').includes('kill -9 -1'), runtime).toBe(runtime === 'runc');
    }
  });
});
