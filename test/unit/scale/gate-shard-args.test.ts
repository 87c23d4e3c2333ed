import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli-capture.js';
import { makePlan } from '../../../src/scale/make-plan.js';
import { buildPlan } from '../../../src/scale/plan.js';

/**
 * `airlock gate --plan F --shard I` refuses, before touching the engine, what would make
 * a shard gate something other than its part of the plan (exit 2 with a typed code).
 */
let ws: string;
async function run(argv: string[]): Promise<{ code: number; err: string }> {
  const { code, stderr } = await runCli(argv, ws);
  return { code, err: stderr };
}

beforeAll(async () => {
  ws = await mkdtemp(join(tmpdir(), 'airlock-shard-args-'));
  await writeFile(join(ws, 'a.py'), 'print(1)\n');
  const plan = buildPlan([{ path: 'a.py', sha256: 'ab'.repeat(32), bytes: 9 }], {
    shards: 1,
    policy: { name: 'other', sha256: 'cd'.repeat(32), path: 'other.yml' },
    failOn: [],
    ungated: [],
    changedBetween: null,
  });
  await writeFile(join(ws, 'plan.json'), JSON.stringify(plan));
});
afterAll(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe('airlock gate --plan F --shard I: what it refuses', () => {
  it.each([
    [['gate', '--plan', 'plan.json'], 'USAGE: --plan F and --shard I go together'],
    [['gate', '--shard', '0'], 'USAGE: --plan F and --shard I go together'],
    [['gate', '--plan', 'plan.json', '--shard', '0', 'a.py'], 'drop the PATHs'],
    [['gate', '--plan', 'plan.json', '--shard', '0', '--signing-key', 'k.pem'], 'drop --signing-key'],
    [['gate', '--plan', 'plan.json', '--shard', '0', '--base', 'x', '--head', 'y'], 'drop --base, --head'],
    [['gate', '--plan', 'plan.json', '--shard', '-1'], 'USAGE'],
    [['scan', '--plan', 'plan.json', '--shard', '0'], '--plan/--shard are for airlock gate'],
  ])('%j', async (argv, expected) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(expected);
  });

  it('a shard the plan does not have is PLAN_INVALID', async () => {
    const r = await run(['gate', '--plan', 'plan.json', '--shard', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('PLAN_INVALID: shard 1 is not in the plan');
  });

  it("a policy whose digest is not the plan's is PLAN_MISMATCH, before anything runs", async () => {
    const r = await run(['gate', '--plan', 'plan.json', '--shard', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('PLAN_MISMATCH');
    expect(r.err).toContain("is not the plan's (other.yml");
  });

  it('a script changed since the plan is PLAN_MISMATCH naming it, before the engine is asked', async () => {
    await writeFile(join(ws, 'b.py'), 'print(2)\n');
    const plan = await makePlan({
      workspace: ws,
      paths: ['a.py', 'b.py'],
      policyLabel: 'default',
      shards: 1,
    });
    await writeFile(join(ws, 'good-plan.json'), JSON.stringify(plan));
    await writeFile(join(ws, 'b.py'), 'print("changed")\n');
    const r = await run(['gate', '--plan', 'good-plan.json', '--shard', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('PLAN_MISMATCH: "b.py" changed since the plan');
  });
});
