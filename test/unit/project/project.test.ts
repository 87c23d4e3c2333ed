import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VERSION } from '../../../src/version.js';
// @ts-expect-error: a plain .mjs build script without type declarations
import { renderTables, updateReadme } from '../../../scripts/readme-inputs.mjs';

describe('project contracts', () => {
  it('action.yml runs the committed bundle on node24', () => {
    const action = parse(readFileSync('action.yml', 'utf8'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('the README inputs/outputs tables equal what action.yml generates', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(updateReadme(readme, readFileSync('action.yml', 'utf8'))).toBe(readme);
    const tables: string = renderTables(readFileSync('action.yml', 'utf8'));
    for (const name of Object.keys(parse(readFileSync('action.yml', 'utf8')).inputs)) {
      expect(tables).toContain(`| \`${name}\` |`);
    }
  });

  it('the README generator notices a stale README', () => {
    const stale = readFileSync('README.md', 'utf8').replace('| `paths` |', '| `pathz` |');
    expect(updateReadme(stale, readFileSync('action.yml', 'utf8'))).not.toBe(stale);
  });

  it('src/version.ts equals package.json version', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('.ci/run calls the README test command and nothing else', () => {
    const ci = readFileSync('.ci/run', 'utf8');
    const commands = ci.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(commands.at(-1)).toBe('exec bash scripts/test.sh');
    expect(readFileSync('README.md', 'utf8')).toContain('bash scripts/test.sh');
  });

  it('the built CLI bundle runs (dist/cli.js, not the sources)', () => {
    const out = execFileSync(process.execPath, ['dist/cli.js', '--version'], { encoding: 'utf8' });
    expect(out.trim()).toBe(VERSION);
  });
});
