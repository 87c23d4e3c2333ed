import { describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';

/**
 * ops/ is checked by Prometheus' own tool, not by our reading of it: the config and
 * rules must load, and the rule unit tests (ops/tests/) must pass.
 */

async function promtool(args: string[]) {
  const r = await tryRunCommand('promtool', args, { timeoutMs: 60_000 });
  return { ...r, output: `${r.stdout}${r.stderr}` };
}

describe('promtool', () => {
  it('accepts ops/prometheus.yml and the rule file it names', async () => {
    const r = await promtool(['check', 'config', 'ops/prometheus.yml']);
    expect(r.output).toContain('SUCCESS: 1 rule files found');
    expect(r.exitCode).toBe(0);
  });

  it('accepts ops/alerts.yml', async () => {
    const r = await promtool(['check', 'rules', 'ops/alerts.yml']);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.exitCode).toBe(0);
  });

  it('passes the alert rule unit tests in ops/tests/', async () => {
    const r = await promtool(['test', 'rules', 'ops/tests/alerts_test.yml']);
    if (r.exitCode !== 0) console.log(r.output);
    expect(r.output).toContain('SUCCESS');
    expect(r.output).not.toContain('FAILED');
    expect(r.exitCode).toBe(0);
  });
});
