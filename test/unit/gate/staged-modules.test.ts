import { describe, expect, it } from 'vitest';
import { liftToStrictestStaged } from '../../../src/gate/staged-modules.js';
import type { ModuleReport, ScriptReport, TrustLevel } from '../../../src/report/types.js';

function script(path: string, level: TrustLevel): ScriptReport {
  return {
    path,
    sha256: 'a'.repeat(64),
    bytes: 1,
    level,
    levelReasons: level === 'low' ? [] : [`own ${level} finding`],
    findings: [],
    decision: 'skipped',
  };
}

function mod(path: string, level: TrustLevel): ModuleReport {
  return {
    path,
    sha256: 'b'.repeat(64),
    bytes: 1,
    level,
    levelReasons: [`bandit X -> ${level}`],
    findings: [],
  };
}

describe('liftToStrictestStaged', () => {
  it('a blocked module is left out of the sandbox of every script that could import it, and they say so', () => {
    const scripts = [script('a/main.py', 'low'), script('b/main.py', 'low')];
    const { hidden } = liftToStrictestStaged(scripts, [mod('a/evil.py', 'blocked')]);
    expect(hidden).toEqual(['a/evil.py']);
    expect(scripts[0]!.level).toBe('low');
    expect(scripts[0]!.levelReasons).toEqual([
      '"a/evil.py" (module, blocked) is left out of this script\'s sandbox: importing it fails',
    ]);
    expect(scripts[1]!.levelReasons).toEqual([]);
  });

  it('a high module in a subfolder makes a low script high', () => {
    const scripts = [script('main.py', 'low')];
    liftToStrictestStaged(scripts, [mod('pkg/sub/net.py', 'high'), mod('pkg/ok.py', 'low')]);
    expect(scripts[0]!.level).toBe('high');
    expect(scripts[0]!.levelReasons).toHaveLength(1);
    expect(scripts[0]!.levelReasons[0]).toContain('pkg/sub/net.py');
  });

  it('a module outside the script directory, or in a sibling folder with a shared prefix, does not count', () => {
    const scripts = [script('a/b/main.py', 'low'), script('ab/main.py', 'low')];
    liftToStrictestStaged(scripts, [mod('a/evil.py', 'high'), mod('a/bc/evil.py', 'blocked')]);
    expect(scripts.map((s) => s.level)).toEqual(['low', 'low']);
    expect(scripts.map((s) => s.levelReasons)).toEqual([[], []]);
  });

  it('gated scripts lift one another by their own levels, independent of order; blocked ones are hidden', () => {
    const scripts = [
      script('x/low.py', 'low'),
      script('x/sub/high.py', 'high'),
      script('x/sub/bad.py', 'blocked'),
    ];
    const { hidden } = liftToStrictestStaged(scripts, []);
    expect(hidden).toEqual(['x/sub/bad.py']);
    // x/low.py sees both: high raises it, bad.py is left out of its sandbox.
    expect(scripts.map((s) => s.level)).toEqual(['high', 'high', 'blocked']);
    expect(scripts[0]!.levelReasons[0]).toContain('"x/sub/high.py" (gated script, high)');
    expect(scripts[0]!.levelReasons[1]).toContain('"x/sub/bad.py" (gated script, blocked) is left out');
    expect(scripts[1]!.levelReasons).toEqual(['own high finding', expect.stringContaining('"x/sub/bad.py"')]);
    expect(scripts[2]!.levelReasons).toEqual(['own blocked finding']);
  });

  it('never lowers a level and names at most five files', () => {
    const scripts = [script('main.py', 'blocked'), script('d/main.py', 'low')];
    liftToStrictestStaged(
      scripts,
      Array.from({ length: 8 }, (_, i) => mod(`d/m${i}.py`, 'high')),
    );
    expect(scripts[0]!.level).toBe('blocked');
    expect(scripts[0]!.levelReasons).toEqual(['own blocked finding']);
    expect(scripts[1]!.level).toBe('high');
    expect(scripts[1]!.levelReasons).toHaveLength(6);
    expect(scripts[1]!.levelReasons[5]).toBe('and 3 more high file(s) in its directory');
  });
});
