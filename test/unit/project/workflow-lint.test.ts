import { describe, expect, it } from 'vitest';
import {
  AIRLOCK_ACTION_REF,
  lintWorkflow,
  type Rule,
  workflowBlocks,
  ZIZMOR_IGNORE_UNPINNED,
} from '../../helpers/workflow-lint.js';

/**
 * The workflow linter's rules, each shown to catch the mistake it is about: a clean
 * workflow has no findings, and each one-line break of it has exactly the finding
 * of its rule. test/integration/github/example-workflows.test.ts runs the linter over
 * every workflow in the repository.
 */
const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2';
const AIRLOCK = `${AIRLOCK_ACTION_REF} # ${ZIZMOR_IGNORE_UNPINNED} the moving tag`;
const UPLOAD = 'actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2';

const CLEAN = `name: gate
on:
  pull_request:
  push:
    branches: [main]
permissions: {}
jobs:
  pr:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
    concurrency:
      group: pr-\${{ github.ref }}
      cancel-in-progress: true
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - id: airlock
        uses: ${AIRLOCK}
        with:
          audit-branch: ''
      - if: always() && hashFiles('.airlock/out/report.json') != ''
        uses: ${UPLOAD}
        with:
          path: .airlock/out/
      - env:
          VERDICT: \${{ steps.airlock.outputs.verdict }}
        run: echo "$VERDICT"
  main:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    permissions:
      contents: write
    concurrency:
      group: main
      cancel-in-progress: false
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - uses: ${AIRLOCK}
        with:
          signing-key: \${{ secrets.KEY }}
      - run: echo published
`;

/** A GitHub expression, written without tripping the JS template-string lint. */
const gh = (expr: string) => `\${{ ${expr} }}`;

const rules = (text: string): Rule[] => lintWorkflow(text).map((f) => f.rule);

/** Replaces the first occurrence; a break that misses its target fails loudly. */
function breakOnce(from: string, to: string): string {
  expect(CLEAN, `"${from}" must occur`).toContain(from);
  return CLEAN.replace(from, to);
}

describe('workflow lint', () => {
  it('the clean workflow has no findings', () => {
    expect(lintWorkflow(CLEAN)).toEqual([]);
  });

  it.each<[string, string, string, Rule]>([
    ['a tag instead of a SHA', CHECKOUT, 'actions/checkout@v4', 'unpinned-uses'],
    ['a short SHA', CHECKOUT, 'actions/checkout@11bd719 # v4.2.2', 'unpinned-uses'],
    ['a SHA with no version comment', CHECKOUT, CHECKOUT.split(' #')[0]!, 'unpinned-uses'],
    ['a SHA with a major-only comment', CHECKOUT, CHECKOUT.replace('v4.2.2', 'v4'), 'unpinned-uses'],
    ['another action at a tag', UPLOAD, 'someone/upload@v1', 'unpinned-uses'],
    ['a docker image by tag', UPLOAD, 'docker://alpine:3', 'unpinned-uses'],
    [
      'a fork of Airlock at a tag',
      `uses: ${AIRLOCK}\n        with:\n          audit`,
      'uses: someone/airlock@v0\n        with:\n          audit',
      'unpinned-uses',
    ],
    ['Airlock at v0 without the stated exception', AIRLOCK, AIRLOCK_ACTION_REF, 'unpinned-uses'],
    ['workflow-level write', 'permissions: {}', 'permissions:\n  contents: write', 'workflow-permissions'],
    ['workflow-level read-all', 'permissions: {}', 'permissions: read-all', 'workflow-permissions'],
    ['no workflow-level permissions', 'permissions: {}\n', '', 'workflow-permissions'],
    ['a job without permissions', '    permissions:\n      contents: read\n', '', 'job-permissions'],
    ['npm ci next to a write token', 'run: echo published', 'run: npm ci', 'install-with-write'],
    [
      'the publishing job cancellable',
      'group: main\n      cancel-in-progress: false',
      'group: main\n      cancel-in-progress: true',
      'cancel-during-publish',
    ],
    [
      'always() on the output dir, unguarded',
      "if: always() && hashFiles('.airlock/out/report.json') != ''",
      'if: always()',
      'always-without-guard',
    ],
    [
      '!cancelled() on the output dir, unguarded',
      "if: always() && hashFiles('.airlock/out/report.json') != ''",
      `if: ${gh('!cancelled()')}`,
      'always-without-guard',
    ],
    [
      'a paths filter on the required check',
      '  pull_request:\n',
      "  pull_request:\n    paths: ['**.py']\n",
      'paths-on-required-check',
    ],
    [
      'a paths-ignore filter on push',
      '    branches: [main]\n',
      '    branches: [main]\n    paths-ignore: [docs/**]\n',
      'paths-on-required-check',
    ],
    [
      'an expression pasted into run',
      'run: echo "$VERDICT"',
      `run: echo "${gh('github.event.pull_request.title')}"`,
      'template-injection',
    ],
    ['pull_request_target', '  pull_request:\n', '  pull_request_target:\n', 'pull-request-target'],
  ])('%s is found', (_name, from, to, rule) => {
    const found = rules(breakOnce(from, to));
    // 'a job without permissions' also leaves the PR job's cancel group harmless: one rule each.
    expect(found).toEqual([rule]);
  });

  it('checkout without persist-credentials: false, in either job, is found', () => {
    const text = CLEAN.replace('        with:\n          persist-credentials: false\n', '');
    expect(rules(text)).toEqual(['persisted-credentials']);
    expect(rules(CLEAN.replaceAll('persist-credentials: false', 'persist-credentials: true'))).toEqual([
      'persisted-credentials',
      'persisted-credentials',
    ]);
  });

  it('a workflow-level cancel-in-progress reaches the publishing job unless it overrides it', () => {
    const text = CLEAN.replace(
      'permissions: {}\n',
      'permissions: {}\nconcurrency:\n  group: all\n  cancel-in-progress: true\n',
    ).replace('    concurrency:\n      group: main\n      cancel-in-progress: false\n', '');
    expect(rules(text)).toEqual(['cancel-during-publish']);
  });

  it('a signing key with the default audit-branch publishes, even without contents: write', () => {
    const text = CLEAN.replace('      contents: write\n', '      contents: read\n').replace(
      'group: main\n      cancel-in-progress: false',
      'group: main\n      cancel-in-progress: true',
    );
    expect(rules(text)).toEqual(['cancel-during-publish']);
  });

  it('findings carry the line of the offending node', () => {
    const [f] = lintWorkflow(breakOnce('run: echo "$VERDICT"', `run: echo "${gh('github.actor')}"`));
    expect(f?.line).toBe(CLEAN.split('\n').findIndex((l) => l.includes('run: echo')) + 1);
  });

  it('workflowBlocks picks the whole workflows out of Markdown, not other YAML', () => {
    const md = `# x\n\n\`\`\`yaml\nversion: 1\nextends: strict\n\`\`\`\n\n\`\`\`yaml\n${CLEAN}\`\`\`\n`;
    expect(workflowBlocks(md)).toEqual([CLEAN]);
  });
});
