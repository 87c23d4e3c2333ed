import { describe, expect, it } from 'vitest';
import { leaveOutStricter } from '../../../src/gate/staged-modules.js';
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

describe('leaveOutStricter', () => {
  it("a low script's sandbox leaves out high and blocked sources, a high script's only blocked ones", () => {
    const scripts = [script('a/main.py', 'low'), script('a/tool.py', 'high'), script('b/main.py', 'low')];
    const hidden = leaveOutStricter(scripts, [
      mod('a/evil.py', 'blocked'),
      mod('a/net.py', 'high'),
      mod('a/ok.py', 'low'),
    ]);
    expect(hidden.low?.sort()).toEqual(['a/evil.py', 'a/net.py', 'a/tool.py']);
    expect(hidden.high).toEqual(['a/evil.py']);
    // Levels are never changed: each script runs under its own rating's profile.
    expect(scripts.map((s) => s.level)).toEqual(['low', 'high', 'low']);
    expect(scripts[0]!.levelReasons).toEqual([
      '"a/evil.py" (module, blocked) is left out of this script\'s sandbox, being rated stricter than low: importing it fails',
      '"a/net.py" (module, high) is left out of this script\'s sandbox, being rated stricter than low: importing it fails',
      '"a/tool.py" (gated script, high) is left out of this script\'s sandbox, being rated stricter than low: importing it fails',
    ]);
    expect(scripts[1]!.levelReasons).toEqual([
      'own high finding',
      '"a/evil.py" (module, blocked) is left out of this script\'s sandbox, being rated stricter than high: importing it fails',
    ]);
    expect(scripts[2]!.levelReasons).toEqual([]);
  });

  it("only files under the script's own directory are named, not a sibling folder with a shared prefix", () => {
    const scripts = [script('a/b/main.py', 'low'), script('ab/main.py', 'low'), script('main.py', 'low')];
    leaveOutStricter(scripts, [mod('a/evil.py', 'high'), mod('a/bc/evil.py', 'blocked')]);
    expect(scripts[0]!.levelReasons).toEqual([]);
    expect(scripts[1]!.levelReasons).toEqual([]);
    // The root script sees everything below it.
    expect(scripts[2]!.levelReasons).toHaveLength(2);
  });

  it('a blocked script gets no notes, and at most five files are named', () => {
    const scripts = [script('d/bad.py', 'blocked'), script('d/main.py', 'low')];
    leaveOutStricter(
      scripts,
      Array.from({ length: 8 }, (_, i) => mod(`d/m${i}.py`, 'high')),
    );
    expect(scripts[0]!.levelReasons).toEqual(['own blocked finding']);
    expect(scripts[1]!.levelReasons).toHaveLength(6);
    expect(scripts[1]!.levelReasons[5]).toBe('and 4 more stricter file(s) left out of its sandbox');
  });
});
