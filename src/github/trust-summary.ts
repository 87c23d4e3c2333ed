import type { PathChanges } from './revision-diff.js';

/**
 * The job summary's sections about the gate's own configuration in a pull request:
 * policy changes (ignored until merge) and workflow changes (trusted only as far as
 * their review). File names and the diff are the PR author's text: names are
 * escaped, and the diff sits in a code fence longer than any backtick run inside it,
 * so it cannot close the fence and inject Markdown or HTML.
 */
const MAX_FILES_LISTED = 50;

function code(text: string): string {
  return `\`${text.replace(/[`\r\n]/g, '?')}\``;
}

function fenced(text: string, lang: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${lang}`, text.replace(/\n$/, ''), fence];
}

function fileList(files: string[]): string[] {
  const out = files.slice(0, MAX_FILES_LISTED).map((f) => `- ${code(f)}`);
  if (files.length > MAX_FILES_LISTED) out.push(`- … and ${files.length - MAX_FILES_LISTED} more`);
  return out;
}

export function renderPolicyChange(opts: {
  changes: PathChanges;
  revision: string;
  policyPath: string;
  failing: boolean;
}): string {
  const { changes } = opts;
  if (changes.files.length === 0) return '';
  const out = [
    '### This pull request changes the policy: the change takes effect after merge',
    '',
    `This run was decided by the policy ${code(opts.policyPath)} as of the base commit ${code(opts.revision.slice(0, 12))}, ` +
      "not by the pull request's copy. The pull request changes:",
    '',
    ...fileList(changes.files),
    '',
  ];
  if (opts.failing) out.push('**fail-on-policy-change** is set: this fails the gate.', '');
  out.push('<details><summary>The policy diff</summary>', '', ...fenced(changes.diff, 'diff'), '');
  if (changes.diffTruncated) out.push('_(diff cut at 64 KiB)_', '');
  out.push('</details>', '');
  return `${out.join('\n')}\n`;
}

export const WORKFLOW_WARNING =
  'this PR changes the workflow that runs the gate: its result is only as trustworthy as that change; ' +
  'require review of .github/ changes (docs/github.md, "The workflow itself")';

export function renderWorkflowChange(opts: {
  changes: PathChanges;
  ownWorkflow?: string;
  failing: boolean;
}): string {
  if (opts.changes.files.length === 0) return '';
  const out = [
    '### ⚠️ This pull request changes the workflow that runs the gate',
    '',
    `Its result is only as trustworthy as that change: require review of \`.github/\` changes (CODEOWNERS and branch protection, or a ruleset-required workflow; see docs/github.md).${
      opts.ownWorkflow ? ` This run executes the changed ${code(opts.ownWorkflow)}.` : ''
    }`,
    '',
    ...fileList(opts.changes.files),
    '',
  ];
  if (opts.failing) out.push('**fail-on-policy-change** is set: this fails the gate.', '');
  return `${out.join('\n')}\n`;
}
