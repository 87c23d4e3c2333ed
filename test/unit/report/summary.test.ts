import { describe, expect, it } from 'vitest';
import { escapeMarkdown, renderSummary } from '../../../src/report/summary.js';
import { execution, finding, gateReport, script } from '../../helpers/report-fixture.js';

/** The Markdown outside code spans and fenced blocks, where GitHub renders HTML and links. */
function outsideCode(md: string): string {
  return md
    .replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '')
    .replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
}

const INVISIBLE =
  /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/;

function prRun() {
  const blocked = script('scripts/clean_data.py', 'blocked', {
    findings: [
      finding({ line: 4, ruleId: 'B404', message: 'subprocess module' }),
      finding({
        line: 8,
        ruleId: 'B602',
        severity: 'high',
        message: 'subprocess call with shell=True identified, security issue.',
        level: 'blocked',
        levelRule: 'levels.rules[6]',
        why: 'a shell command line: injection, and an escape hatch from every other check',
      }),
    ],
  });
  const failed = script('scripts/load.py', 'low', {
    execution: execution({
      status: 'failure',
      exitCode: 1,
      stderr: `${'noise\n'.repeat(50)}Traceback (most recent call last):\nFileNotFoundError: ../data/sales.csv\n`,
      stderrBytes: 400,
    }),
  });
  const high = script('scripts/fetch.py', 'high', {
    findings: [
      finding({
        line: 15,
        ruleId: 'B310',
        severity: 'medium',
        message: 'Audit url open for permitted schemes.',
        level: 'high',
        levelRule: 'levels.rules[15]',
        why: 'urlopen: network, or file:// reads; the sandbox has no network',
      }),
    ],
  });
  const clean = script('scripts/plot.py', 'low', {
    execution: execution({
      artifacts: [
        { path: 'sales.png', bytes: 20_480, sha256: 'e'.repeat(64) },
        { path: 'summary.csv', bytes: 300, sha256: 'f'.repeat(64) },
      ],
    }),
  });
  return gateReport([clean, high, failed, blocked]);
}

describe('renderSummary', () => {
  it('puts what fails the gate first: blocked, then the failed run, then high, then the rest', () => {
    const md = renderSummary(prRun());
    const at = (s: string) => md.indexOf(s);
    // sections
    expect(at('#### 🔴 blocked')).toBeGreaterThan(0);
    expect(at('#### 🔴 blocked')).toBeLessThan(at('run failure: '));
    expect(at('run failure: ')).toBeLessThan(at('#### 🟠 high'));
    // the clean script has no section of its own: a table row, and its artifacts after the table
    expect(md).not.toContain('run success: `scripts/plot.py`');
    expect(at('### All scripts')).toBeLessThan(at('### Artifacts of the other scripts (1)'));
    expect(at('### Artifacts of the other scripts (1)')).toBeLessThan(at('#### 🟢 low: `scripts/plot.py`'));
    // table rows, same order
    const rows = md.split('\n').filter((l) => l.startsWith('| `scripts/'));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual([
      '| `scripts/clean_data.py`',
      '| `scripts/load.py`',
      '| `scripts/fetch.py`',
      '| `scripts/plot.py`',
    ]);
  });

  it("names the deciding rule and the policy's why for a blocked script", () => {
    const md = renderSummary(prRun(), { blobBase: 'https://github.com/o/r/blob/abc' });
    const section = md.slice(md.indexOf('#### 🔴 blocked'), md.indexOf('#### 🔴 blocked') + 800);
    expect(section).toContain('**Decided by**');
    expect(section).toContain('**B602**');
    expect(section).toContain('`levels.rules[6]`');
    expect(section).toContain(
      '_a shell command line: injection, and an escape hatch from every other check_',
    );
    expect(section).toContain('[line 8](https://github.com/o/r/blob/abc/scripts/clean_data.py#L8)');
    expect(section).toContain('not run: blocked');
  });

  it("shows the end of a failed run's stderr, bounded, and not the stderr of a successful one", () => {
    const md = renderSummary(prRun());
    expect(md).toContain('FileNotFoundError: ../data/sales.csv');
    expect(md.split('noise').length - 1).toBe(18); // the last 20 lines: 18 of noise + the traceback's 2
    expect(md).toContain('stderr (the end of 400 B):');
  });

  it('lists artifacts with size and sha256, marks images, and links the workflow artifact when known', () => {
    const report = prRun();
    const withUrl = renderSummary(report, {
      artifactUrl: 'https://github.com/o/r/actions/runs/1/artifacts/9',
    });
    expect(withUrl).toContain('| `sales.png` 🖼️ | 20.0 KiB | `eeee');
    expect(withUrl).toContain('| `summary.csv` | 300 B |');
    expect(withUrl).toContain(
      '[workflow artifact](https://github.com/o/r/actions/runs/1/artifacts/9) under `001-plot/`',
    );
    expect(renderSummary(report)).toContain('in the output directory under `001-plot/`');
  });

  it('cannot be broken by a hostile file name, message, stderr or artifact name', () => {
    const evil =
      '`x`|<img src=x onerror=alert(1)>\u0085\u2028\u202e[l](http://evil)\u0007)![i](https://t/p.png.py';
    const report = gateReport([
      script(evil, 'high', {
        findings: [finding({ level: 'high', message: `eval ${evil}`, why: `why ${evil}` })],
        execution: execution({
          status: 'failure',
          exitCode: 1,
          stderr: `\`\`\`\`\n</details><script>x</script>\u0085\u202e\u0000\n`,
          artifacts: [{ path: `plot${evil}.png`, bytes: 1, sha256: 'e'.repeat(64) }],
        }),
      }),
    ]);
    const md = renderSummary(report, { blobBase: 'https://github.com/o/r/blob/abc' });
    expect(md).not.toMatch(INVISIBLE);
    expect(md).toContain('\\u{0085}');
    expect(md).toContain('\\u{202E}');
    const rendered = outsideCode(md);
    expect(rendered).not.toContain('<img');
    expect(rendered).not.toContain('<script');
    expect(rendered).not.toContain('](http://evil');
    expect(rendered).not.toContain('](https://t/');
    expect(md).toContain('alert%281%29'); // parentheses encoded: the link cannot end early
    const row = md.split('\n').find((l) => l.startsWith('| `` `x'))!;
    expect(row.replace(/\\\|/g, '').split(' | ')).toHaveLength(8);
    // The stderr fence is longer than the backtick run inside it.
    expect(md).toContain('`````text\n````\n</details><script>');
    expect(md).toContain('%7C%3Cimg%20src'); // the link is percent-encoded
  });

  it('shows the image, policy and the audit checkpoint', () => {
    const md = renderSummary(
      gateReport([], {
        audit: { log: 'a.log', checkpoint: 'origin\n5\nroot=\n', size: 5, root: 'root=', signed: true },
      }),
    );
    expect(md).toContain('airlock-sandbox:local');
    expect(md).toContain('.airlock/policy.yml');
    expect(md).toContain('origin\n5\nroot=');
  });
});

describe('escapeMarkdown', () => {
  it('escapes markdown control characters, folds newlines and shows invisible characters', () => {
    expect(escapeMarkdown('a|b\n[c](d)')).toBe('a\\|b \\[c\\]\\(d\\)');
    expect(escapeMarkdown('a\u0085b\u202ec')).toBe('a\\\\u\\{0085\\}b\\\\u\\{202E\\}c');
  });
});
