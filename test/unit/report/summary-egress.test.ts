import { describe, expect, it } from 'vitest';
import { buildSarif } from '../../../src/report/sarif.js';
import { renderSummary } from '../../../src/report/summary.js';
import type { EgressRequest } from '../../../src/report/types.js';
import { execution, gateReport, script } from '../../helpers/report-fixture.js';

const req = (over: Partial<EgressRequest>): EgressRequest => ({
  method: 'GET',
  host: 'pypi.org',
  port: 443,
  bytesUp: 100,
  bytesDown: 2000,
  allowed: true,
  reason: 'allowed',
  ...over,
});

const egress = [
  req({ method: 'CONNECT' }),
  req({ host: 'evil.example', reason: 'host not on the allowlist', allowed: false, bytesDown: 0 }),
  req({
    host: '169.254.169.254',
    port: 80,
    path: '/latest/meta-data/',
    reason: 'IP literal',
    allowed: false,
  }),
];

describe('denied egress attempts are visible even when the script succeeded', () => {
  const fetching = script('analysis/fetch.py', 'low', {
    decision: 'executed',
    execution: execution({ egress }),
  });
  const quiet = script('analysis/a_quiet.py', 'low', { decision: 'executed', execution: execution() });
  const report = gateReport([quiet, fetching]);

  it('the summary gives the script a section, listing each denied request and why', () => {
    const md = renderSummary(report);
    const section = md.slice(md.indexOf('### Scripts that need a look'), md.indexOf('### All scripts'));
    expect(section).toContain('analysis/fetch.py');
    expect(section).not.toContain('a_quiet.py');
    expect(section).toContain('3 request(s) through the egress proxy, 2 denied');
    expect(section).toContain('`evil.example:443`');
    expect(section).toContain('host not on the allowlist');
    expect(section).toContain('`169.254.169.254:80/latest/meta-data/`');
  });

  it('the SARIF carries one warning notification for the script, naming the denied targets', () => {
    const { log } = buildSarif({ scripts: report.scripts, scanners: report.scanners, category: 'airlock' });
    const notes = log.runs
      .flatMap((r) => r.invocations?.[0]?.toolExecutionNotifications ?? [])
      .filter((n) => n.descriptor?.id === 'airlock/egress-denied');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.level).toBe('warning');
    expect(notes[0]!.message.text).toContain('analysis/fetch.py: 2 network request(s) denied');
    expect(notes[0]!.message.text).toContain('GET evil.example:443 (host not on the allowlist)');
  });

  it('a script with only allowed requests needs no section', () => {
    const ok = script('analysis/ok.py', 'low', {
      decision: 'executed',
      execution: execution({ egress: [req({})] }),
    });
    expect(renderSummary(gateReport([ok]))).not.toContain('### Scripts that need a look');
  });
});

describe('the install phase in the summary', () => {
  const install = {
    requirements: 'analysis/requirements.txt',
    index: 'https://pypi.org/simple/',
    exitCode: 0,
    durationMs: 2400,
  };

  it('a failed install says why and that the script did not run', () => {
    const failed = script('analysis/use.py', 'low', {
      decision: 'executed',
      execution: execution({
        status: 'failure',
        exitCode: null,
        install: {
          ...install,
          status: 'failure',
          exitCode: 1,
          packages: [],
          reason: 'pip exited 1: ERROR: THESE PACKAGES DO NOT MATCH THE HASHES',
        },
      }),
    });
    const md = renderSummary(gateReport([failed]));
    expect(md).toContain(
      '**Install phase:** failure from `https://pypi.org/simple/` (`analysis/requirements.txt`): pip exited 1: ERROR: THESE PACKAGES DO NOT MATCH THE HASHES; the script did not run.',
    );
  });

  it('a successful install names the packages; the script run after it is shown with its denied request', () => {
    const used = script('analysis/use.py', 'low', {
      decision: 'executed',
      execution: execution({
        install: {
          ...install,
          status: 'success',
          packages: [{ name: 'six', version: '1.16.0', hash: `sha256:${'a'.repeat(64)}` }],
        },
        egress: [
          req({ method: 'CONNECT', phase: 'install' }),
          req({
            method: 'CONNECT',
            allowed: false,
            reason: "no egress in the script's run (only its install phase has egress)",
            phase: 'run',
          }),
        ],
      }),
    });
    const md = renderSummary(gateReport([used]));
    expect(md).toContain('**Install phase:** 1 package(s) installed from `https://pypi.org/simple/`');
    expect(md).toContain('`six==1.16.0`; the script then ran with no egress.');
    expect(md).toContain("no egress in the script's run");
  });
});
