import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseShardCount } from '../../../src/cli/commands/plan.js';
import { buildPlan, matrixOf, PER_SCRIPT_BYTES, type PlanInputScript } from '../../../src/scale/plan.js';
import { makePlan } from '../../../src/scale/make-plan.js';
import { parsePlan, scriptsOfShard } from '../../../src/scale/plan-file.js';
import { runCli } from '../../helpers/cli-capture.js';
import { commitOnBranch, initRepo } from '../../helpers/git-fixture.js';
import { sha256Hex } from '../../../src/sha256.js';

const OPTS = {
  policy: { name: 'default', sha256: 'ab'.repeat(32), path: 'default' },
  failOn: ['blocked'],
  ungated: [],
  changedBetween: null,
};
const script = (path: string, bytes = 20, content = path): PlanInputScript => ({
  path,
  sha256: sha256Hex(content),
  bytes,
});
const shardOf = (plan: ReturnType<typeof buildPlan>, path: string) =>
  plan.scripts.find((s) => s.path === path)?.shard;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('buildPlan: balancing', () => {
  it('spreads equal scripts in their own folders evenly (3,3,2,2 over 4 shards)', () => {
    const plan = buildPlan(
      Array.from({ length: 10 }, (_, i) => script(`s/${i}/main.py`)),
      { ...OPTS, shards: 4 },
    );
    expect(plan.shards).toBe(4);
    const counts = [0, 1, 2, 3].map((i) => scriptsOfShard(plan, i).length);
    expect(counts.sort()).toEqual([2, 2, 3, 3]);
    expect(Math.max(...plan.shardCost) - Math.min(...plan.shardCost)).toBe(PER_SCRIPT_BYTES + 20);
    expect(matrixOf(plan)).toEqual({ shard: [0, 1, 2, 3] });
  });

  it('balances by cost, not count: one large script gets a shard to itself', () => {
    const big = script('big/main.py', 2_000_000);
    const small = Array.from({ length: 8 }, (_, i) => script(`s/${i}/main.py`, 100));
    const plan = buildPlan([big, ...small], { ...OPTS, shards: 3 });
    const bigShard = shardOf(plan, 'big/main.py')!;
    expect(scriptsOfShard(plan, bigShard).map((s) => s.path)).toEqual(['big/main.py']);
    // The 8 small ones are split 4/4 over the other two.
    const others = [0, 1, 2].filter((i) => i !== bigShard).map((i) => scriptsOfShard(plan, i).length);
    expect(others).toEqual([4, 4]);
  });

  it('keeps the scripts of one folder (with its subfolders) in one shard', () => {
    const scripts = [
      script('a/x.py'),
      script('a/y.py'),
      script('a/sub/z.py'),
      script('b/x.py'),
      script('b/y.py'),
      script('c/x.py'),
      script('d/x.py'),
    ];
    // a/ (3 of 7 scripts) is under the fair share of 2 shards (3.5): not split.
    const plan = buildPlan(scripts, { ...OPTS, shards: 2 });
    expect(new Set(['a/x.py', 'a/y.py', 'a/sub/z.py'].map((p) => shardOf(plan, p))).size).toBe(1);
    expect(shardOf(plan, 'b/x.py')).toBe(shardOf(plan, 'b/y.py'));
  });

  it('splits a folder heavier than a fair share, keeping identical contents together', () => {
    const scripts = [
      ...Array.from({ length: 6 }, (_, i) => script(`big/${i}.py`)),
      script('big/copy1.py', 20, 'same'),
      script('big/copy2.py', 20, 'same'),
    ];
    const plan = buildPlan(scripts, { ...OPTS, shards: 4 });
    expect(plan.shards).toBe(4);
    expect(shardOf(plan, 'big/copy1.py')).toBe(shardOf(plan, 'big/copy2.py'));
    expect(plan.uniqueContents).toBe(7);
    expect(scriptsOfShard(plan, 0).length).toBeGreaterThan(0);
  });

  it('uses fewer shards than asked when there are fewer units, never an empty shard', () => {
    const plan = buildPlan([script('a/x.py'), script('b/x.py')], { ...OPTS, shards: 4 });
    expect(plan.shards).toBe(2);
    expect(scriptsOfShard(plan, 0)).toHaveLength(1);
    expect(scriptsOfShard(plan, 1)).toHaveLength(1);
  });

  it('is deterministic: the same scripts in any order give the same assignment', () => {
    const scripts = Array.from({ length: 30 }, (_, i) => script(`s/${i}/m.py`, (i * 7919) % 5000));
    const a = buildPlan(scripts, { ...OPTS, shards: 5, now: new Date(0) });
    const b = buildPlan([...scripts].reverse(), { ...OPTS, shards: 5, now: new Date(0) });
    expect(b).toEqual(a);
  });
});

describe('the matrix limit of 256 jobs', () => {
  it('accepts 1..256 and refuses more with a usage error naming the limit', () => {
    expect(parseShardCount('256')).toBe(256);
    expect(parseShardCount('1')).toBe(1);
    expect(codeOf(() => parseShardCount('257'))).toBe('USAGE');
    expect(codeOf(() => parseShardCount('0'))).toBe('USAGE');
    expect(codeOf(() => parseShardCount('4x'))).toBe('USAGE');
    expect(codeOf(() => parseShardCount(undefined))).toBe('USAGE');
    expect(() => buildPlan([script('a.py')], { ...OPTS, shards: 257 })).toThrow(RangeError);
  });

  it('the CLI exits 2 for --shards 300 and says what to do', async () => {
    const { code, stderr: err } = await runCli(['plan', '--shards', '300', '.'], process.cwd());
    expect(code).toBe(2);
    expect(err).toContain('256');
    expect(err).toContain('several plans');
  });
});

describe('the plan file', () => {
  const plan = buildPlan([script('a/x.py'), script('b/y.py')], { ...OPTS, shards: 2 });
  const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));

  it('parses what buildPlan writes and names it by the hash of its bytes', () => {
    const b = bytes(plan);
    const loaded = parsePlan(b, 'plan.json');
    expect(loaded.plan).toEqual(plan);
    expect(loaded.sha256).toBe(sha256Hex(b));
  });

  it.each([
    ['a path leaving the workspace', { scripts: [{ ...plan.scripts[0], path: '../etc/passwd.py' }] }],
    ['an absolute path', { scripts: [{ ...plan.scripts[0], path: '/etc/x.py' }] }],
    ['a shard out of range', { scripts: [{ ...plan.scripts[0], shard: 2 }] }],
    ['a path listed twice', { scripts: [plan.scripts[0], plan.scripts[0]] }],
    ['an unknown field', { extra: 1 }],
    ['more than 256 shards', { shards: 257 }],
    ['a hash that is not SHA-256 hex', { scripts: [{ ...plan.scripts[0], sha256: 'abc' }] }],
  ])('refuses %s (PLAN_INVALID)', (_what, change) => {
    expect(codeOf(() => parsePlan(bytes({ ...plan, ...change }), 'plan.json'))).toBe('PLAN_INVALID');
  });

  it('a shard index the plan does not have is PLAN_INVALID', () => {
    expect(codeOf(() => scriptsOfShard(plan, 2))).toBe('PLAN_INVALID');
    expect(codeOf(() => scriptsOfShard(plan, -1))).toBe('PLAN_INVALID');
  });
});

describe('airlock plan (CLI)', () => {
  let ws: string;
  afterAll(async () => {
    if (ws) await rm(ws, { recursive: true, force: true });
  });

  it('writes the plan with each script hash and prints the matrix for fromJSON', async () => {
    ws = await mkdtemp(join(tmpdir(), 'airlock-plan-'));
    for (const n of ['a', 'b', 'c']) {
      await mkdir(join(ws, 'src', n), { recursive: true });
      await writeFile(join(ws, 'src', n, 'main.py'), `print('${n}')\n`);
    }
    await writeFile(join(ws, 'src', 'c', 'same.py'), "print('a')\n");
    const { code, stdout: out } = await runCli(
      ['plan', '--shards', '2', '--matrix', 'matrix.json', 'src'],
      ws,
    );
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ shard: [0, 1] });
    expect(JSON.parse(await readFile(join(ws, 'matrix.json'), 'utf8'))).toEqual({ shard: [0, 1] });
    const loaded = parsePlan(await readFile(join(ws, '.airlock/plan.json')), 'plan.json');
    expect(loaded.plan.scripts.map((s) => s.path)).toEqual([
      'src/a/main.py',
      'src/b/main.py',
      'src/c/main.py',
      'src/c/same.py',
    ]);
    expect(loaded.plan.scripts[0]!.sha256).toBe(sha256Hex("print('a')\n"));
    expect(loaded.plan.uniqueContents).toBe(3);
    // src/c (two scripts) is the heaviest unit: alone in its shard.
    expect(shardOf(loaded.plan, 'src/c/main.py')).toBe(shardOf(loaded.plan, 'src/c/same.py'));
    expect(shardOf(loaded.plan, 'src/a/main.py')).not.toBe(shardOf(loaded.plan, 'src/c/main.py'));
  });

  it('--base/--head: plans only the Python files the pull request changed', async () => {
    const repo = join(ws, 'repo');
    const base = await initRepo(repo, { 'a/main.py': 'print(1)\n', 'b/main.py': 'print(2)\n' });
    const head = await commitOnBranch(repo, 'pr', { 'b/main.py': 'print(3)\n', 'c/main.py': 'print(4)\n' });
    const plan = await makePlan({
      workspace: repo,
      paths: ['.'],
      policyLabel: 'default',
      shards: 4,
      changedBetween: { base, head },
    });
    expect(plan.scripts.map((s) => s.path)).toEqual(['b/main.py', 'c/main.py']);
    expect(plan.changedBetween).toEqual({ base, head });
    expect(plan.shards).toBe(2);
  });
});
