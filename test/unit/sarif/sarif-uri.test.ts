import { describe, expect, it } from 'vitest';
import { relativeSarifUri } from '../../../src/report/sarif-uri.js';

describe('relativeSarifUri', () => {
  it.each([
    ['scripts/plot.py', 'scripts/plot.py'],
    ['a b/c d.py', 'a%20b/c%20d.py'],
    ['x#1?.py', 'x%231%3F.py'],
    ['100%.py', '100%25.py'],
    // a first segment with ":" would otherwise read as a URI scheme
    ['c:evil.py', 'c%3Aevil.py'],
    ['dir/naïve.py', 'dir/na%C3%AFve.py'],
    ['new\nline.py', 'new%0Aline.py'],
    ['-rf.py', '-rf.py'],
  ])('%j -> %s', (p, uri) => {
    expect(relativeSarifUri(p)).toBe(uri);
    expect(decodeURIComponent(uri)).toBe(p);
    // it parses as a relative reference that stays below the base
    expect(new URL(uri, 'file:///ws/').href.startsWith('file:///ws/')).toBe(true);
  });

  it.each(['/etc/passwd', '../x.py', 'a/../../x.py', 'a//b.py', './a.py', '', 'a\0.py', 'a\\b.py'])(
    'refuses %j',
    (p) => {
      expect(relativeSarifUri(p)).toBeNull();
    },
  );
});
