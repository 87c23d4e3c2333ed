import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { loadPolicy } from '../../../src/policy/index.js';

/** The policy's `data:` list and its limits: shape errors name the file, the field and what was expected. */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-policy-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function policy(body: string): Promise<string> {
  const file = join(dir, `p${n++}.yml`);
  await mkdir(dir, { recursive: true });
  await writeFile(file, `version: 1\n${body}`);
  return file;
}

async function rejection(body: string): Promise<{ file: string; e: UserError }> {
  const file = await policy(body);
  const e = await loadPolicy(file, { root: dir }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  expect((e as UserError).code).toBe('POLICY_INVALID');
  expect((e as UserError).message).toContain(file);
  return { file, e: e as UserError };
}

describe('policy data:', () => {
  it('is none by default, with the default limits', async () => {
    const p = await loadPolicy(await policy(''), { root: dir });
    expect(p.data).toEqual([]);
    expect(p.limits).toMatchObject({ maxDataFiles: 500, maxDataBytes: 256 * 1024 * 1024 });
  });

  it('takes a list of workspace-relative globs', async () => {
    const p = await loadPolicy(
      await policy(
        'data:\n  - "data/*.csv"\n  - "ref/**"\n  - ./lookup.json\nlimits: { maxDataFiles: 3, maxDataBytes: 1024 }\n',
      ),
      { root: dir },
    );
    expect(p.data).toEqual(['data/*.csv', 'ref/**', './lookup.json']);
    expect(p.limits).toMatchObject({ maxDataFiles: 3, maxDataBytes: 1024 });
  });

  it('a single string instead of a list: names data and "a list"', async () => {
    const { e } = await rejection('data: data/*.csv\n');
    expect(e.message).toContain(': data: expected a list');
  });

  it('an entry that is a mapping: names data[0] and "string"', async () => {
    const { e } = await rejection('data:\n  - { path: data/sales.csv }\n');
    expect(e.message).toContain('data[0]');
    expect(e.message).toMatch(/expected string/i);
  });

  it('a glob leaving the workspace (.., absolute) is refused', async () => {
    for (const g of ['../secrets/*', 'data/../../x', '/etc/passwd']) {
      const { e } = await rejection(`data:\n  - "ok/*.csv"\n  - ${JSON.stringify(g)}\n`);
      expect(e.message).toContain('data[1]');
      expect(e.message).toContain('workspace-relative glob');
    }
  });

  it('a hidden path (.git, .env) is refused, "./" is not hidden', async () => {
    for (const g of ['.git/config', '.env', 'data/.private/*.csv', '**/.ssh/*']) {
      const { e } = await rejection(`data:\n  - ${JSON.stringify(g)}\n`);
      expect(e.message).toContain('data[0]');
      expect(e.message).toContain('hidden files are never mounted');
    }
  });

  it('glob syntax that could expand to ".." or exclude is refused', async () => {
    // `{x,..}` is a brace with `..`: fast-glob would walk the workspace's parent.
    for (const g of ['{x,..}/etc/*', 'data/{1..3}.csv']) {
      const { e } = await rejection(`data:\n  - ${JSON.stringify(g)}\n`);
      expect(e.message).toContain('data[0]');
      expect(e.message).toContain('expected a glob');
    }
    for (const g of ['!data/private/**', 'data/\\.\\./x']) {
      const { e } = await rejection(`data:\n  - ${JSON.stringify(g)}\n`);
      expect(e.message).toContain('data[0]');
      expect(e.message).toContain('expected a glob that adds files');
    }
  });

  it('limits beyond their bounds name the limit', async () => {
    const files = await rejection('limits: { maxDataFiles: 5000 }\n');
    expect(files.e.message).toContain('limits.maxDataFiles');
    expect(files.e.message).toContain('1000');
    const bytes = await rejection('limits: { maxDataBytes: 0 }\n');
    expect(bytes.e.message).toContain('limits.maxDataBytes');
  });

  it('more than 100 globs is refused', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `  - "d${i}/*"`).join('\n');
    const { e } = await rejection(`data:\n${many}\n`);
    expect(e.message).toMatch(/\bdata\b/);
    expect(e.message).toContain('100');
  });
});
