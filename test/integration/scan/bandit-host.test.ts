import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBanditJson } from '../../../src/scan/bandit-parse.js';
import { SCAN_ERROR_RULE } from '../../../src/scan/scan-error.js';
import { CORPUS_DIR, corpusFiles, hostBanditJson } from './host-bandit.js';

/**
 * The parser against REAL Bandit output: the host's Debian bandit 1.6.2 (the same
 * package the sandbox image installs), run with the adapter's own argv.
 */
interface Expected {
  files: Record<
    string,
    { catches: { tool: string; ruleId: string; severity: string; line?: number; only?: string }[] }
  >;
}
const expected = JSON.parse(readFileSync(path.join(CORPUS_DIR, 'expected.json'), 'utf8')) as Expected;

describe('Bandit 1.6.2 (host) over the hostile-static corpus', () => {
  it('finds every Bandit detection expected.json lists, at the listed line and severity', async () => {
    const files = corpusFiles();
    expect(files.length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(expected.files).sort()).toEqual(files);
    const parsed = parseBanditJson(await hostBanditJson(CORPUS_DIR, files), '/nonexistent-root');
    // Every file was seen by Bandit (metrics or errors): nothing silently skipped.
    expect([...parsed.reportedPaths].sort()).toEqual(files);
    for (const file of files) {
      const got = (parsed.findingsByPath.get(file) ?? []).map(
        (f) => `${f.tool}:${f.ruleId}:${f.severity}:${f.line}`,
      );
      const want = expected.files[file]!.catches.filter(
        (c) => c.tool !== 'semgrep' && c.only !== '1.9.4',
      ).map((c) => `${c.tool}:${c.ruleId}:${c.severity}:${c.line}`);
      for (const w of want) expect(got, file).toContain(w);
    }
  });

  it('catches `# nosec`-hidden eval only because --ignore-nosec is passed', async () => {
    const parsed = parseBanditJson(await hostBanditJson(CORPUS_DIR, ['nosec_hidden_eval.py']), '/x');
    expect(parsed.findingsByPath.get('nosec_hidden_eval.py')!.map((f) => f.ruleId)).toContain('B307');
    const honoured = parseBanditJson(await hostBanditJson(CORPUS_DIR, ['nosec_hidden_eval.py'], false), '/x');
    expect(honoured.findingsByPath.get('nosec_hidden_eval.py')).toBeUndefined();
  });

  it('reports a Python 2 file as a scan error, not as clean', async () => {
    const parsed = parseBanditJson(
      await hostBanditJson(CORPUS_DIR, ['python2_syntax_evades_parser.py']),
      '/x',
    );
    expect(parsed.findingsByPath.get('python2_syntax_evades_parser.py')).toEqual([
      expect.objectContaining({ tool: 'airlock', ruleId: SCAN_ERROR_RULE }),
    ]);
  });

  it('scans hostile file names (leading dash, spaces, .git substring) and ignores a planted .bandit', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bandit-names-'));
    const names = ['-r.py', 'a b;$(id).py', 'x.git.py', 'evil.tox.py'];
    for (const n of names) writeFileSync(path.join(root, n), 'eval(input())\n');
    // A .bandit ini telling Bandit to skip B307 everywhere: must have no effect.
    writeFileSync(path.join(root, '.bandit'), '[bandit]\nskips: B307\nexclude: .\n');
    const parsed = parseBanditJson(await hostBanditJson(root, names), root);
    expect([...parsed.reportedPaths].sort()).toEqual([...names].sort());
    for (const n of names)
      expect(
        parsed.findingsByPath.get(n)!.map((f) => f.ruleId),
        n,
      ).toContain('B307');
  });
});
