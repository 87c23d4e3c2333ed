import { describe, expect, it } from 'vitest';
import { executeScripts, parseExecuteScripts } from '../../../src/cache/execute-scope.js';
import { holdUnchanged } from '../../../src/cache/gate-cache.js';
import type { ModuleReport, ScriptReport } from '../../../src/report/types.js';

const script = (path: string, over: Partial<ScriptReport> = {}): ScriptReport => ({
  path,
  sha256: '0'.repeat(64),
  bytes: 1,
  level: 'low',
  levelReasons: [],
  findings: [],
  decision: 'skipped',
  ...over,
});
const REUSED = { seq: 3, hash: 'a'.repeat(64) };

describe('execute.scripts', () => {
  it('the flag beats the policy, which beats the event: changed on pull requests, all otherwise', () => {
    expect(executeScripts({ pullRequestRange: false })).toBe('all');
    expect(executeScripts({ event: 'push', pullRequestRange: false })).toBe('all');
    expect(executeScripts({ event: 'pull_request', pullRequestRange: false })).toBe('changed');
    expect(executeScripts({ event: 'pull_request_target', pullRequestRange: false })).toBe('changed');
    expect(executeScripts({ event: 'cli', pullRequestRange: true })).toBe('changed');
    expect(executeScripts({ policy: 'all', event: 'pull_request', pullRequestRange: true })).toBe('all');
    expect(executeScripts({ flag: 'changed', policy: 'all', pullRequestRange: false })).toBe('changed');
  });

  it('--execute takes changed or all, and names the flag otherwise', () => {
    expect(parseExecuteScripts(undefined, '--execute')).toBeUndefined();
    expect(parseExecuteScripts('changed', '--execute')).toBe('changed');
    expect(() => parseExecuteScripts('some', '--execute')).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('--execute') }),
    );
  });
});

describe('holdUnchanged', () => {
  it('changed: reused runnable scripts are held back and marked; changed and blocked ones go on', () => {
    const scripts = [
      script('same.py', { reusedScan: REUSED }),
      script('new.py'),
      script('bad.py', { level: 'blocked', reusedScan: REUSED }),
    ];
    const run = holdUnchanged(scripts, [], 'changed');
    expect(run.map((s) => s.path)).toEqual(['new.py', 'bad.py']);
    expect(scripts[0]).toMatchObject({ decision: 'skipped', unchanged: true });
    expect(scripts[1]?.unchanged).toBeUndefined();
  });

  it('all, or a staged module that changed: every script runs', () => {
    const scripts = () => [script('same.py', { reusedScan: REUSED })];
    expect(holdUnchanged(scripts(), [], 'all')).toHaveLength(1);
    const changedModule: ModuleReport = { ...script('helper.py') };
    const s = scripts();
    expect(holdUnchanged(s, [changedModule], 'changed')).toHaveLength(1);
    expect(s[0]?.unchanged).toBeUndefined();
  });

  it('changed with data: inputs: every script runs (the key does not cover the data a script reads)', () => {
    const s = [script('same.py', { reusedScan: REUSED })];
    expect(holdUnchanged(s, [], 'changed', true)).toHaveLength(1);
    expect(s[0]?.unchanged).toBeUndefined();
  });
});
