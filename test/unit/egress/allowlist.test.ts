import { describe, expect, it } from 'vitest';
import { hostPatternProblem, matchEgress, ruleFromEntry } from '../../../src/egress/allowlist.js';

const rules = [
  ruleFromEntry('pypi.org'),
  { ...ruleFromEntry('files.pythonhosted.org:80'), methods: ['GET'], paths: ['/packages/'] },
  ruleFromEntry('*.githubusercontent.com'),
];

describe('matchEgress', () => {
  it.each([
    [{ host: 'pypi.org', port: 443 }, true],
    [{ host: 'PyPI.org.', port: 443 }, true],
    [{ host: 'pypi.org', port: 80 }, false],
    [{ host: 'evil.pypi.org', port: 443 }, false],
    [{ host: 'pypi.org.evil.com', port: 443 }, false],
    [{ host: 'raw.githubusercontent.com', port: 443 }, true],
    [{ host: 'a.b.githubusercontent.com', port: 443 }, true],
    [{ host: 'githubusercontent.com', port: 443 }, false],
    [{ host: 'evilgithubusercontent.com', port: 443 }, false],
    [{ host: 'files.pythonhosted.org', port: 80, method: 'GET', path: '/packages/a.whl' }, true],
    [{ host: 'files.pythonhosted.org', port: 80, method: 'POST', path: '/packages/a.whl' }, false],
    [{ host: 'files.pythonhosted.org', port: 80, method: 'GET', path: '/admin' }, false],
    [{ host: '151.101.0.223', port: 443 }, false],
    [{ host: '[::1]', port: 443 }, false],
  ])('%j -> %s', (req, allowed) => {
    expect(matchEgress(rules, req).allowed).toBe(allowed);
  });

  it('says why a request was denied', () => {
    expect(matchEgress(rules, { host: '1.2.3.4', port: 443 })).toEqual({
      allowed: false,
      reason: 'IP literal',
    });
    expect(matchEgress(rules, { host: 'example.com', port: 443 })).toEqual({
      allowed: false,
      reason: 'host not on the allowlist',
    });
  });
});

describe('hostPatternProblem', () => {
  it.each(['pypi.org', '*.githubusercontent.com', 'files.pythonhosted.org'])('accepts %s', (p) => {
    expect(hostPatternProblem(p)).toBeNull();
  });
  it.each(['1.2.3.4', '[::1]', '*', '*.com'.slice(2), 'a..b', 'foo_bar.org', '*.*.org', 'localhost'])(
    'refuses %s',
    (p) => {
      expect(hostPatternProblem(p)).not.toBeNull();
    },
  );
});
