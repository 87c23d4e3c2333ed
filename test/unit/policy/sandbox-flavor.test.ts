import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { loadPolicy } from '../../../src/policy/index.js';

// sandbox.flavor picks the image flavor; sandbox.image, when given, still wins.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-flavor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string, yaml: string) {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, yaml);
  return loadPolicy(file);
}

describe('sandbox.flavor', () => {
  it('defaults to core and its local tag airlock-sandbox:local', async () => {
    const p = await load('none', 'version: 1\n');
    expect(p.sandbox.flavor).toBe('core');
    expect(p.sandbox.image).toBe('airlock-sandbox:local');
  });

  it('full picks the full local tag when no image is named', async () => {
    const p = await load('full', 'version: 1\nsandbox:\n  flavor: full\n');
    expect(p.sandbox.flavor).toBe('full');
    expect(p.sandbox.image).toBe('airlock-sandbox:full-local');
  });

  it('a policy that names its image keeps it, whatever the flavor', async () => {
    const p = await load('own', 'version: 1\nsandbox:\n  flavor: full\n  image: registry.example/own:1\n');
    expect(p.sandbox.image).toBe('registry.example/own:1');
  });

  it('the shipped policies name no image, so extending them with flavor full gets full', async () => {
    const p = await load('ext', 'version: 1\nextends: default\nsandbox:\n  flavor: full\n');
    expect(p.sandbox.image).toBe('airlock-sandbox:full-local');
    expect((await load('strict', 'version: 1\nextends: strict\n')).sandbox.image).toBe(
      'airlock-sandbox:local',
    );
  });

  it('an unknown flavor is POLICY_INVALID naming the field', async () => {
    const e = await load('bad', 'version: 1\nsandbox:\n  flavor: slim\n').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).code).toBe('POLICY_INVALID');
    expect((e as UserError).message).toMatch(/sandbox\.flavor/);
  });
});
