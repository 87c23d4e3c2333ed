import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AIRLOCK_ACTION, workflowBlocks } from '../../helpers/workflow-lint.js';

/**
 * What a new user copies works as written: the CLI command is one that runs this
 * CLI (the npm name `airlock` is an unrelated package), the Action is named the same
 * way everywhere, its policy input names a shipped policy, and the project files a
 * user and a reporter look for exist and agree with package.json.
 */
const readme = readFileSync('README.md', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const docs = [
  'README.md',
  'SECURITY.md',
  'CHANGELOG.md',
  ...readdirSync('docs', { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];
const copied = [...docs, ...readdirSync('examples/workflows').map((f) => join('examples/workflows', f))];

/** Lines of fenced sh/bash/console blocks, and inline `code`: what a reader would type. */
function commandsIn(markdown: string): string[] {
  const fenced: string[] = [];
  let lang: string | undefined;
  for (const line of markdown.split('\n')) {
    const fence = line.match(/^```(\S*)/);
    if (fence) lang = lang === undefined ? fence[1] : undefined;
    else if (lang !== undefined && ['sh', 'bash', 'shell', 'console', ''].includes(lang)) fenced.push(line);
  }
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const inline = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...fenced, ...inline].map((l) => l.replace(/^\$\s*/, '').trim());
}

describe('the README quick start', () => {
  it('never tells users to run `npx airlock` (an unrelated npm package)', () => {
    for (const file of docs) {
      const npx = commandsIn(readFileSync(file, 'utf8')).filter((c) => /\bnpx\s+(-\S+\s+)*airlock\b/.test(c));
      expect({ file, npx }).toEqual({ file, npx: [] });
    }
  });

  it('shows the CLI as node dist/cli.js, with a shipped policy name', () => {
    const cli = commandsIn(readme).filter((c) => /dist\/cli\.js\s+gate\b/.test(c));
    expect(cli.length).toBeGreaterThan(0);
    for (const c of cli) expect(c).toMatch(/^node \S*dist\/cli\.js gate .*--policy (default|strict)\b/);
  });

  it('the package is not published under the colliding name', () => {
    // Publishing would need a name nobody else holds on npm; until then it stays private.
    expect(pkg.private).toBe(true);
  });

  it('the Action is installed as airlock-ci/airlock everywhere, never an OWNER placeholder', () => {
    for (const file of copied) {
      const text = readFileSync(file, 'utf8');
      expect({ file, placeholder: text.match(/\bOWNER\/airlock@/g) }).toEqual({ file, placeholder: null });
      for (const m of text.matchAll(/uses:\s*(\S+\/airlock)@(\S+)/g)) {
        // One repository everywhere; the ref is the moving v0, or (docs/releasing.md) a release's commit.
        expect({ file, repo: m[1] }).toEqual({ file, repo: AIRLOCK_ACTION });
        expect(m[2]).toMatch(file === 'docs/releasing.md' ? /^<40-hex$/ : /^v0$/);
      }
    }
  });

  it("the quick start's policy input is a shipped name, not a file the user's repository lacks", () => {
    const [quickStart] = workflowBlocks(readme);
    const steps = Object.values(
      parse(quickStart!).jobs as Record<
        string,
        { steps: { uses?: string; with?: Record<string, string> }[] }
      >,
    ).flatMap((j) => j.steps);
    const airlock = steps.find((s) => s.uses?.startsWith(`${AIRLOCK_ACTION}@`));
    expect(airlock).toBeDefined();
    expect(['default', 'strict', undefined]).toContain(airlock?.with?.policy);
  });

  it("action.yml's policy default is the shipped policy, not a path into the user's repository", () => {
    const action = parse(readFileSync('action.yml', 'utf8'));
    expect(['', 'default', 'strict', undefined]).toContain(action.inputs.policy.default);
  });

  it('keeps its shape: what Airlock is, then exactly two commands for a fresh machine', () => {
    expect(readme.startsWith('# Airlock\n\nAirlock is ')).toBe(true);
    const fresh = readme.slice(readme.indexOf('## On a fresh machine'), readme.indexOf('## Quick start'));
    expect([...fresh.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim())).toEqual([
      'bash scripts/example.sh',
      'bash scripts/test.sh',
    ]);
  });
});

describe('project files', () => {
  it('LICENSE is the MIT licence package.json declares, held by The Airlock authors', () => {
    const license = readFileSync('LICENSE', 'utf8');
    expect(pkg.license).toBe('MIT');
    expect(license.split('\n')[0]).toBe('MIT License');
    expect(license).toMatch(/^Copyright \(c\) \d{4} The Airlock authors$/m);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it('SECURITY.md: private reporting, what counts (escape, secrets, gate bypass, audit forgery), versions, times', () => {
    const s = readFileSync('SECURITY.md', 'utf8');
    expect(s).toContain('private vulnerability reporting');
    for (const kind of [
      'sandbox escape',
      'secret reaching the container',
      'bypass of the gate',
      'audit log change',
    ]) {
      expect(s).toContain(kind);
    }
    expect(s).toMatch(/## Supported versions/);
    expect(s).toMatch(/within \*\*\d+ working days\*\*/);
  });

  it('CHANGELOG.md is Keep a Changelog with an Unreleased section first', () => {
    const c = readFileSync('CHANGELOG.md', 'utf8');
    expect(c).toContain('https://keepachangelog.com/en/1.1.0/');
    const versions = [...c.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]);
    expect(versions[0]).toBe('Unreleased');
    for (const h of c.matchAll(/^### (.+)$/gm)) {
      expect(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security']).toContain(h[1]);
    }
  });

  it('docs/releasing.md states the versioning scheme the README links to', () => {
    const r = readFileSync('docs/releasing.md', 'utf8');
    expect(readme).toContain('(docs/releasing.md)');
    expect(r).toContain('Semantic Versioning');
    expect(r).toMatch(/`v0`.*\*\*moving\*\*/);
    expect(r).toMatch(/`v0\.x\.y`.*\n.*\*\*immutable\*\*/);
    expect(r).toContain('The image moves with the Action');
  });
});
