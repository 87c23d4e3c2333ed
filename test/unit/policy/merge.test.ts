import { describe, expect, it } from 'vitest';
import { mergePolicies } from '../../../src/policy/merge.js';

describe('mergePolicies', () => {
  const parent = {
    version: 1,
    levels: { unmatched: 'high', rules: [{ ruleId: 'P', level: 'low' }] },
    profiles: { standard: { memoryMb: 1, cpus: 1 } },
    allowlist: [{ ruleId: 'parent' }],
    failOn: ['blocked', 'high'],
    sandbox: { image: 'a', runtime: 'runc' },
  };
  const child = {
    levels: { rules: [{ ruleId: 'C', level: 'blocked' }] },
    profiles: { standard: { memoryMb: 2 }, extra: { cpus: 3 } },
    allowlist: [{ ruleId: 'child' }],
    failOn: ['error'],
    sandbox: { runtime: 'runsc' },
  };

  it('layers the child over the parent by the documented rules', () => {
    expect(mergePolicies(parent, child)).toEqual({
      version: 1,
      levels: {
        unmatched: 'high',
        rules: [
          { ruleId: 'C', level: 'blocked' },
          { ruleId: 'P', level: 'low' },
        ],
      },
      profiles: { standard: { memoryMb: 2, cpus: 1 }, extra: { cpus: 3 } },
      allowlist: [{ ruleId: 'child' }, { ruleId: 'parent' }],
      failOn: ['error'],
      sandbox: { image: 'a', runtime: 'runsc' },
    });
  });

  it('modifies neither input and shares no objects with them', () => {
    const p = structuredClone(parent);
    const c = structuredClone(child);
    const out = mergePolicies(p, c) as { levels: { rules: object[] }; sandbox: object };
    expect(p).toEqual(parent);
    expect(c).toEqual(child);
    expect(out.levels.rules[1]).not.toBe(p.levels.rules[0]);
    expect(out.sandbox).not.toBe(p.sandbox);
  });

  it('an empty list in the child still replaces (failOn: [] means nothing fails)', () => {
    expect(mergePolicies({ failOn: ['blocked'] }, { failOn: [] })).toEqual({ failOn: [] });
  });
});
