import { createHash } from 'node:crypto';
import type {
  ExecutionResult,
  Finding,
  GateReport,
  ScriptReport,
  TrustLevel,
} from '../../src/report/types.js';

/**
 * Synthetic report objects for testing what renders them (summary, annotations): the
 * shapes the pipeline produces, filled with plausible values.
 */
export function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function finding(over: Partial<Finding> = {}): Finding {
  return {
    tool: 'bandit',
    ruleId: 'B101',
    severity: 'low',
    confidence: 'high',
    line: 1,
    message: 'Use of assert detected.',
    level: 'low',
    levelRule: 'levels.rules[25]',
    why: 'assert is how analysis code checks its data',
    ...over,
  };
}

export function execution(over: Partial<ExecutionResult> = {}): ExecutionResult {
  return {
    status: 'success',
    exitCode: 0,
    durationMs: 812,
    peakMemoryBytes: 48 * 1024 * 1024,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    stdoutBytes: 0,
    stderrBytes: 0,
    stdoutSha256: sha(''),
    stderrSha256: sha(''),
    artifacts: [],
    artifactsTruncated: false,
    runtime: 'runc',
    profile: 'standard',
    containerName: 'airlock-run-x',
    ...over,
  };
}

export function script(path: string, level: TrustLevel, over: Partial<ScriptReport> = {}): ScriptReport {
  const blocked = level === 'blocked';
  return {
    path,
    sha256: sha(path),
    bytes: 400,
    level,
    levelReasons: [],
    findings: [],
    decision: blocked ? 'blocked' : 'executed',
    execution: blocked ? undefined : execution({ profile: level === 'high' ? 'restricted' : 'standard' }),
    ...over,
  };
}

export function gateReport(scripts: ScriptReport[], over: Partial<GateReport> = {}): GateReport {
  const count = (l: TrustLevel) => scripts.filter((s) => s.level === l).length;
  const executed = scripts.filter((s) => s.execution).length;
  const failed = scripts.filter((s) => s.execution && s.execution.status !== 'success').length;
  return {
    version: 1,
    tool: { name: 'airlock', version: '0.1.0' },
    startedAt: '2026-12-06T10:00:00.000Z',
    finishedAt: '2026-12-06T10:01:00.000Z',
    workspace: '/w',
    verdict: count('blocked') || failed ? 'fail' : 'pass',
    verdictReasons: scripts.filter((s) => s.level === 'blocked').map((s) => `${s.path}: blocked`),
    counts: { low: count('low'), high: count('high'), blocked: count('blocked'), executed, failed },
    policy: { path: '.airlock/policy.yml', name: 'policy', sha256: 'a'.repeat(64), revision: null },
    image: { ref: 'airlock-sandbox:local', id: `sha256:${'d'.repeat(64)}` },
    scanners: [
      { tool: 'bandit', status: 'ran', version: '1.9.4' },
      { tool: 'semgrep', status: 'ran', version: '1.187.0' },
    ],
    notices: [],
    scripts,
    sarif: 'airlock.sarif',
    ...over,
  };
}
