import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { renderText } from '../../../src/cli/output/findings-text.js';
import { painter, safeForTerminal, wantColour } from '../../../src/cli/output/terminal.js';
import {
  escapeCommandLine,
  escapeCommandLines,
  escapeJsonCommands,
  guardWorkflowCommands,
} from '../../../src/cli/output/workflow-commands.js';
import type { GateReport } from '../../../src/report/types.js';
import { workflowCommandsIn } from '../../helpers/actions-log-commands.js';

const COMMANDS = [
  '::add-mask::hunter2',
  ' \t::error::x',
  '\u0085::warning::nel',
  'a\r::notice::cr',
  'text ##[error]v1',
  '::stop-commands::abc',
  '::abc::',
].join('\n');

describe('workflow command guard', () => {
  it('each layer alone leaves no command: escaping, and the stop-commands block', () => {
    expect(workflowCommandsIn(COMMANDS).length).toBeGreaterThan(3);
    const escapedOnly = COMMANDS.split(/(\r\n|\r|\n)/)
      .map((p, i) => (i % 2 ? p : escapeCommandLine(p)))
      .join('');
    expect(workflowCommandsIn(escapedOnly)).toEqual([]);
    expect(workflowCommandsIn(guardWorkflowCommands(COMMANDS, 'f'.repeat(32)))).toEqual([]);
  });

  it('escapes our own text and JSON documents that quote scripts', () => {
    expect(workflowCommandsIn(escapeCommandLines(COMMANDS))).toEqual([]);
    const doc = `${JSON.stringify({ stderr: COMMANDS, path: 'a##[error]b' }, null, 2)}\n`;
    expect(workflowCommandsIn(doc).length).toBeGreaterThan(0);
    const safe = escapeJsonCommands(doc);
    expect(workflowCommandsIn(safe)).toEqual([]);
    expect(JSON.parse(safe)).toEqual(JSON.parse(doc));
  });

  it('a fresh token per call, and text after the block is processed again', () => {
    const a = guardWorkflowCommands('x');
    expect(a).not.toEqual(guardWorkflowCommands('x'));
    expect(workflowCommandsIn(`${a}::error::ours`)).toEqual(['::error::ours']);
  });
});

describe('terminal text', () => {
  it('shows control and bidi characters as escapes', () => {
    expect(safeForTerminal('a\u001b]0;pwned\u0007b\u202ec\u0085d')).toBe(
      'a\\u{1b}]0;pwned\\u{7}b\\u{202e}c\\u{85}d',
    );
  });

  it('colours only on a TTY, NO_COLOR off, FORCE_COLOR on', () => {
    expect(wantColour({}, true)).toBe(true);
    expect(wantColour({}, false)).toBe(false);
    expect(wantColour({ NO_COLOR: '1' }, true)).toBe(false);
    expect(wantColour({ NO_COLOR: '' }, true)).toBe(true);
    expect(wantColour({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(wantColour({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(wantColour({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(true);
    expect(wantColour({ TERM: 'dumb' }, true)).toBe(false);
  });
});

describe('renderText', () => {
  const report = {
    verdict: 'fail',
    verdictReasons: ['evil.py: blocked'],
    counts: { low: 0, high: 0, blocked: 1, executed: 0, failed: 0 },
    notices: [],
    scripts: [
      {
        path: 'evil\u001b[2J.py',
        sha256: 'x',
        bytes: 1,
        level: 'blocked',
        levelReasons: [],
        decision: 'blocked',
        findings: [
          {
            tool: 'bandit',
            ruleId: 'B602',
            severity: 'high',
            confidence: 'high',
            line: 4,
            column: 3,
            message: 'shell',
          },
        ],
      },
    ],
  } as unknown as GateReport;

  it('prints path:line:col, level, tool, rule, why and the code line; escapes hostile text', () => {
    const text = renderText(report, {
      judge: () => ({ level: 'blocked', reason: 'r', rule: 'levels.rules[0]', why: 'a shell' }),
      sourceLine: (_p, line) => (line === 4 ? 'os.system("\u001b[31mx")' : undefined),
      paint: painter(false),
    });
    expect(text).toBe(
      [
        'evil\\u{1b}[2J.py:4:3: blocked bandit B602 [high/high] shell',
        '    why: a shell',
        '       4 | os.system("\\u{1b}[31mx")',
        '',
        'FAIL: 1 script(s), 0 low, 0 high, 1 blocked, 0 executed, 0 failed',
        '  - evil.py: blocked',
        '',
      ].join('\n'),
    );
    const coloured = renderText(report, {
      judge: () => ({ level: 'blocked', reason: 'r', rule: 'levels.rules[0]' }),
      sourceLine: () => undefined,
      paint: painter(true),
    });
    expect(coloured).toContain('\u001b[31mblocked\u001b[39m');
  });
});

describe('--format', () => {
  it('an unknown format is a usage error (exit 2) naming the choices, before anything runs', async () => {
    let err = '';
    const code = await main(['scan', '--format', 'yaml'], {
      stdout: () => {},
      stderr: (t) => {
        err += t;
      },
      cwd: process.cwd(),
      env: {},
    });
    expect(code).toBe(2);
    expect(err).toMatch(/USAGE: --format must be one of text, json, sarif, markdown, got 'yaml'/);
  });
});

describe('airlock run', () => {
  it('refuses a notebook with a usage error that points at gate', async () => {
    let err = '';
    const code = await main(['run', 'analysis.ipynb'], {
      stdout: () => {},
      stderr: (t) => {
        err += t;
      },
      cwd: process.cwd(),
      env: {},
    });
    expect(code).toBe(2);
    expect(err).toMatch(/USAGE: airlock run takes a \.py script; gate a notebook/);
  });
});
