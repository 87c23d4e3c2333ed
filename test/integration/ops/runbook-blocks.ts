/**
 * Extracts the runnable blocks of docs/operations/RUNBOOK_SANDBOX_OPERATIONS.md,
 * grouped by `## ` section. Fence info strings:
 *   sh test        run in a fixture repository that uses Airlock
 *   sh test repo   run in the Airlock checkout
 *   sh github      needs GitHub; listed, never run
 * Any other shell-ish fence (sh, bash, shell, console) is an error: a command in
 * the runbook that nothing runs is how runbooks rot.
 */

export type BlockKind = 'workspace' | 'repo' | 'github';

export interface RunbookBlock {
  section: string;
  kind: BlockKind;
  /** 1-based line of the opening fence, for failure messages. */
  line: number;
  script: string;
}

const SHELLISH = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

export function extractRunbookBlocks(markdown: string): RunbookBlock[] {
  const lines = markdown.split('\n');
  const blocks: RunbookBlock[] = [];
  let section = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## (.+)$/.exec(lines[i]!);
    if (heading) section = heading[1]!.trim();
    const fence = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (!fence) continue;
    const lang = fence[1]!;
    const tags = fence[2]!.trim().split(/\s+/).filter(Boolean);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`runbook line ${start + 1}: unclosed code fence`);
    if (!SHELLISH.has(lang)) continue;
    const tag = tags.join(' ');
    const kind: BlockKind | undefined =
      lang !== 'sh'
        ? undefined
        : tag === 'test'
          ? 'workspace'
          : tag === 'test repo'
            ? 'repo'
            : tag === 'github'
              ? 'github'
              : undefined;
    if (!kind) {
      throw new Error(
        `runbook line ${start + 1}: \`\`\`${lang} ${tag}\`: shell blocks must be "sh test", "sh test repo" or "sh github"`,
      );
    }
    blocks.push({ section, kind, line: start + 1, script: `${body.join('\n')}\n` });
  }
  return blocks;
}
