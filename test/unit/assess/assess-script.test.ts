import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globWork } from '../../../src/assess/glob.js';
import { assessScript, maxLevel, SCAN_ERROR_RULE_ID } from '../../../src/assess/index.js';
import type { UserError } from '../../../src/errors.js';
import { expiredAllowlistNotices, loadPolicy, type Policy } from '../../../src/policy/index.js';
import type { Finding, TrustLevel } from '../../../src/report/types.js';

let dir: string;
let policy: Policy;
let shipped: Policy;

// One rule set that exercises order, thresholds and tools.
const POLICY = `version: 1
levels:
  unmatched: high
  scannerError: blocked
  rules:
    - { tool: bandit, ruleId: B101, level: low }
    - { tool: bandit, ruleId: B307, level: blocked }
    - { tool: bandit, ruleId: "B6*", minSeverity: high, level: blocked }
    - { tool: bandit, ruleId: "B6*", level: high }
    - { tool: semgrep, ruleId: "**", minConfidence: high, level: blocked }
    - { tool: semgrep, ruleId: "**", level: low }
allowlist:
  - { tool: bandit, ruleId: B603, paths: ["tools/**"], justification: "calls graphviz", expires: 2030-06-30 }
  - { tool: bandit, ruleId: B307, paths: ["legacy/*.py"], justification: "old", expires: 2020-01-01 }
  - { tool: airlock, ruleId: airlock.scan-error, paths: ["**"], justification: "must not work", expires: 2099-01-01 }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-assess-'));
  await writeFile(join(dir, 'p.yml'), POLICY);
  policy = await loadPolicy(join(dir, 'p.yml'));
  shipped = await loadPolicy();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function finding(tool: Finding['tool'], ruleId: string, extra: Partial<Finding> = {}): Finding {
  return { tool, ruleId, severity: 'medium', confidence: 'medium', line: 1, message: 'm', ...extra };
}
const NOW = new Date('2026-01-15T12:00:00Z');

describe('assessScript', () => {
  it('no findings is low', () => {
    const a = assessScript([], policy, 'a.py', NOW);
    expect(a).toEqual({ level: 'low', levelReasons: ['no findings'], findings: [], notices: [] });
  });

  it('the level is the highest of the findings, and the reasons name the findings that set it', () => {
    const low = finding('bandit', 'B101', { line: 3 });
    const high = finding('bandit', 'B603', { line: 5 });
    const blocked = finding('bandit', 'B307', { line: 9 });
    expect(assessScript([low], policy, 'a.py', NOW).level).toBe('low');
    expect(assessScript([low, high], policy, 'a.py', NOW).level).toBe('high');
    const a = assessScript([low, blocked, high], policy, 'a.py', NOW);
    expect(a.level).toBe('blocked');
    expect(a.levelReasons).toHaveLength(1);
    expect(a.levelReasons[0]).toContain('B307');
    expect(a.levelReasons[0]).toContain('line 9');
    expect(a.levelReasons[0]).toContain('levels.rules[1]');
    expect(a.findings).toEqual([
      { ...low, level: 'low', levelRule: 'levels.rules[0]' },
      { ...blocked, level: 'blocked', levelRule: 'levels.rules[1]' },
      { ...high, level: 'high', levelRule: 'levels.rules[3]' },
    ]);
  });

  it("each finding carries its own level and the policy's why, not the script's, and a forged one is replaced", () => {
    const forged: Finding = { ...finding('bandit', 'B101'), level: 'blocked', why: 'forged' };
    const a = assessScript(
      [forged, finding('bandit', 'B602', { severity: 'high' }), finding('bandit', 'B999')],
      shipped,
      'a.py',
      NOW,
    );
    expect(a.level).toBe('blocked');
    expect(a.findings.map((f) => f.level)).toEqual(['low', 'blocked', 'high']);
    expect(a.findings[0]!.why).toBe('assert is how analysis code checks its data');
    expect(a.findings[1]!.why).toMatch(/^a shell command line: injection/);
    expect(a.findings[1]!.levelRule).toMatch(/^levels\.rules\[\d+\]$/);
    expect(a.findings[2]!.levelRule).toBe('levels.unmatched');
  });

  it('rules are ordered and respect minimum severity and confidence', () => {
    expect(assessScript([finding('bandit', 'B602', { severity: 'high' })], policy, 'a.py', NOW).level).toBe(
      'blocked',
    );
    expect(assessScript([finding('bandit', 'B602', { severity: 'medium' })], policy, 'a.py', NOW).level).toBe(
      'high',
    );
    expect(assessScript([finding('semgrep', 'x.y', { confidence: 'high' })], policy, 'a.py', NOW).level).toBe(
      'blocked',
    );
    expect(
      assessScript([finding('semgrep', 'x.y', { confidence: 'medium' })], policy, 'a.py', NOW).level,
    ).toBe('low');
    // tool must match: a semgrep finding called B307 is not Bandit's eval check
    expect(assessScript([finding('semgrep', 'B307', { confidence: 'low' })], policy, 'a.py', NOW).level).toBe(
      'low',
    );
  });

  it('a finding no rule matches gets levels.unmatched', () => {
    const a = assessScript([finding('bandit', 'B999')], policy, 'a.py', NOW);
    expect(a.level).toBe('high');
    expect(a.levelReasons[0]).toContain('levels.unmatched');
  });

  it('a scanner error gets levels.scannerError and cannot be allowlisted', () => {
    const a = assessScript(
      [finding('airlock', SCAN_ERROR_RULE_ID, { severity: 'low', confidence: 'low' })],
      policy,
      'x.py',
      NOW,
    );
    expect(a.level).toBe('blocked');
    expect(a.findings[0]!.allowlisted).toBeUndefined();
    expect(a.levelReasons[0]).toContain('levels.scannerError');
  });

  it('a live allowlist entry marks the finding and keeps it from raising the level, only on its paths', () => {
    const f = finding('bandit', 'B603', { line: 7 });
    const a = assessScript([f], policy, 'tools/render/graph.py', NOW);
    expect(a.level).toBe('low');
    expect(a.findings).toEqual([
      { ...f, allowlisted: { justification: 'calls graphviz', expires: '2030-06-30' } },
    ]);
    expect(a.levelReasons[0]).toContain('allowlisted');
    expect(f.allowlisted).toBeUndefined(); // the input is not modified
    expect(assessScript([f], policy, 'other/graph.py', NOW).level).toBe('high');
  });

  it('an expired entry stops applying and says so', () => {
    const f = finding('bandit', 'B307');
    const a = assessScript([f, f], policy, 'legacy/old.py', NOW);
    expect(a.level).toBe('blocked');
    expect(a.findings.every((x) => x.allowlisted === undefined)).toBe(true);
    expect(a.notices).toHaveLength(1);
    expect(a.notices[0]).toContain('expired on 2020-01-01');
    expect(expiredAllowlistNotices(policy, NOW)).toHaveLength(1);
  });

  it('an entry applies through its whole expiry day (UTC) and not a moment after', () => {
    const f = finding('bandit', 'B603');
    const lastMoment = new Date('2030-06-30T23:59:59.999Z');
    const firstMomentAfter = new Date('2030-07-01T00:00:00.000Z');
    expect(assessScript([f], policy, 'tools/a.py', lastMoment).level).toBe('low');
    const after = assessScript([f], policy, 'tools/a.py', firstMomentAfter);
    expect(after.level).toBe('high');
    expect(after.notices).toHaveLength(1);
  });

  it('a finding that arrives already marked allowlisted is judged afresh', () => {
    const forged: Finding = {
      ...finding('bandit', 'B307'),
      allowlisted: { justification: 'trust me', expires: '2099-01-01' },
    };
    const a = assessScript([forged], policy, 'a.py', NOW);
    expect(a.level).toBe('blocked');
    expect(a.findings[0]!.allowlisted).toBeUndefined();
  });

  it('under the shipped default, the dangerous calls block and ordinary analysis code stays low', () => {
    const level = (ruleId: string, severity: Finding['severity'] = 'medium') =>
      assessScript([finding('bandit', ruleId, { severity })], shipped, 'a.py', NOW).level;
    for (const id of ['B102', 'B307', 'B301', 'B302', 'B506', 'B602', 'B604', 'B605', 'B609'])
      expect(level(id), id).toBe('blocked');
    for (const id of ['B603', 'B606', 'B607', 'B310', 'B104']) expect(level(id), id).toBe('high');
    for (const id of ['B101', 'B311', 'B404', 'B403', 'B108', 'B324', 'B110', 'B314', 'B405'])
      expect(level(id), id).toBe('low');
    expect(level('B999')).toBe('high'); // unknown: restricted
    expect(
      assessScript([finding('semgrep', 'rules.eqeq-is-bad', { severity: 'high' })], shipped, 'a.py', NOW)
        .level,
    ).toBe('blocked');
  });
});

describe('assessScript properties', () => {
  const RANK: Record<TrustLevel, number> = { low: 0, high: 1, blocked: 2 };
  const arbFinding = fc.record({
    tool: fc.constantFrom('bandit', 'semgrep', 'airlock') as fc.Arbitrary<Finding['tool']>,
    ruleId: fc.constantFrom('B101', 'B307', 'B602', 'B603', 'B999', 'x.y', SCAN_ERROR_RULE_ID),
    severity: fc.constantFrom('low', 'medium', 'high') as fc.Arbitrary<Finding['severity']>,
    confidence: fc.constantFrom('low', 'medium', 'high') as fc.Arbitrary<Finding['confidence']>,
    line: fc.integer({ min: 1, max: 500 }),
    message: fc.string(),
  });
  const arbPath = fc.constantFrom('a.py', 'tools/x.py', 'legacy/old.py', 'deep/er/y.py');
  const arbNow = fc.date({
    min: new Date('2019-01-01T00:00:00Z'),
    max: new Date('2035-01-01T00:00:00Z'),
    noInvalidDate: true,
  });

  it('the level is the max of each finding assessed alone; order does not matter', () => {
    fc.assert(
      fc.property(fc.array(arbFinding, { maxLength: 12 }), arbPath, arbNow, (findings, path, now) => {
        const whole = assessScript(findings, policy, path, now);
        const each = findings.map((f) => assessScript([f], policy, path, now).level);
        expect(whole.level).toBe(each.reduce<TrustLevel>(maxLevel, 'low'));
        expect(assessScript([...findings].reverse(), policy, path, now).level).toBe(whole.level);
        expect(whole.findings).toHaveLength(findings.length);
        expect(whole.levelReasons.length).toBeGreaterThan(0);
      }),
    );
  });

  it('adding a finding never lowers the level; an allowlist never raises it', () => {
    fc.assert(
      fc.property(
        fc.array(arbFinding, { maxLength: 8 }),
        arbFinding,
        arbPath,
        arbNow,
        (findings, extra, path, now) => {
          const before = assessScript(findings, policy, path, now).level;
          const after = assessScript([...findings, extra], policy, path, now).level;
          expect(RANK[after]).toBeGreaterThanOrEqual(RANK[before]);
          const withoutAllowlist = assessScript(findings, { ...policy, allowlist: [] }, path, now).level;
          expect(RANK[before]).toBeLessThanOrEqual(RANK[withoutAllowlist]);
        },
      ),
    );
  });
});

describe('hostile globs in a policy (issue 21, item 5)', () => {
  // picomatch spent 49 s of CPU on the first, >300 s on the second, during assessment.
  const HOSTILE = `version: 1
levels:
  rules:
    - { tool: bandit, ruleId: "*B*B*B*B*B*B*B*B*B*BX", level: low }
    - { tool: bandit, ruleId: "B101", level: blocked }
allowlist:
  - tool: bandit
    ruleId: B101
    paths: ["scripts/*a*a*a*a*a*a*a*a*a*ab", "*a*a*a/*a*a*a/*a*a*ab"]
    justification: hostile
    expires: 2099-01-01
`;

  it('are assessed with bounded work, and give the right answer', async () => {
    await writeFile(join(dir, 'hostile.yml'), HOSTILE);
    const p = await loadPolicy(join(dir, 'hostile.yml'), { root: dir });
    const path = `scripts/${'a'.repeat(200)}`;
    const deep = `${'a'.repeat(60)}/${'a'.repeat(60)}/${'a'.repeat(60)}`;
    const before = globWork.steps;
    const a = assessScript([finding('bandit', 'B101')], p, path, NOW);
    const b = assessScript([finding('bandit', 'B101')], p, deep, NOW);
    const c = assessScript([finding('bandit', `${'B'.repeat(150)}`)], p, 'x.py', NOW);
    // Neither path ends in "b": nothing is allowlisted, B101 blocks; the long id matches no rule.
    expect([a.level, b.level, c.level]).toEqual(['blocked', 'blocked', 'blocked']);
    expect(a.findings[0]!.allowlisted).toBeUndefined();
    // Linear: a few times (text length x pattern length), where picomatch needed ~n^9 steps.
    expect(globWork.steps - before).toBeLessThan(200_000);
  });

  it('syntax the matcher does not take is a policy error naming the field, not a silent miss', async () => {
    await writeFile(
      join(dir, 'extglob.yml'),
      'version: 1\nallowlist: [{ tool: bandit, ruleId: B101, paths: ["@(a|b).py"], justification: x, expires: 2099-01-01 }]\n',
    );
    const e = await loadPolicy(join(dir, 'extglob.yml'), { root: dir }).then(
      () => undefined,
      (err: unknown) => err as UserError,
    );
    expect(e?.code).toBe('POLICY_INVALID');
    expect(e?.message).toContain('allowlist[0].paths[0]');
    expect(e?.message).toContain('extglobs');
  });
});
