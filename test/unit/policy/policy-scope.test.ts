import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { revisionCopyRoot } from '../../../src/policy/from-revision.js';
import { loadPolicy } from '../../../src/policy/index.js';

/**
 * Issue 21, item 2: a policy and everything it names stay inside the workspace or the
 * shipped policies; a refusal quotes nothing from the file it refused and reads the
 * same whether that file exists or not; errors about a file that was read (it may
 * not be a policy) show field names, never values.
 */

// Text planted outside the workspace, and in non-policy files inside it: no message may contain it.
const SECRET = 'S3CRET-d0-not-print';

let top: string;
let ws: string;
let outside: string;
beforeAll(async () => {
  top = await realpath(await mkdtemp(join(tmpdir(), 'airlock-scope-')));
  ws = join(top, 'ws');
  outside = join(top, 'outside');
  await mkdir(join(ws, 'rules'), { recursive: true });
  await mkdir(outside);
  // A valid policy outside (its values must not leak), and plain text outside.
  await writeFile(join(outside, 'secret.yml'), `version: 1\nname: ${SECRET}\nlimits: { maxFiles: 3 }\n`);
  await writeFile(join(outside, 'passwd'), `root:x:0:0:${SECRET}:/root:/bin/bash\n`);
  await mkdir(join(outside, 'rules'));
});
afterAll(async () => {
  await rm(top, { recursive: true, force: true });
});

async function policy(name: string, text: string): Promise<string> {
  const file = join(ws, name);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
  return file;
}

async function failure(file: string): Promise<UserError> {
  const e = await loadPolicy(file, { root: ws }).then(
    () => new Error('loaded'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  expect((e as UserError).message).not.toContain(SECRET);
  return e as UserError;
}

/** The message with the reference itself blanked, to compare "exists" with "missing". */
const shape = (e: UserError, ref: string) => e.message.replaceAll(JSON.stringify(ref), '<ref>');

describe('extends stays inside the workspace', () => {
  it('../ out of the workspace is refused the same whether the file exists or not', async () => {
    const there = await failure(await policy('a.yml', 'version: 1\nextends: ../outside/secret.yml\n'));
    const missing = await failure(await policy('b.yml', 'version: 1\nextends: ../outside/nothing.yml\n'));
    expect(there.code).toBe('POLICY_INVALID');
    expect(missing.code).toBe('POLICY_INVALID');
    expect(shape(there, '../outside/secret.yml').replace('a.yml', 'X')).toBe(
      shape(missing, '../outside/nothing.yml').replace('b.yml', 'X'),
    );
  });

  it('the system files of the issue are refused without a word of their content', async () => {
    for (const target of ['/etc/passwd', '/etc/shadow', '/proc/self/environ', '/etc/hostname']) {
      const ref = relative(ws, target);
      const e = await failure(await policy('sys.yml', `version: 1\nextends: ${ref}\n`));
      expect(e.code).toBe('POLICY_INVALID');
      expect(e.message).toContain('not a file inside the workspace');
      expect(e.message).not.toMatch(/root:|nologin|PATH=|HOME=/);
    }
  });

  it('a symlink (file, folder or dangling) that leads out is refused like any outside path', async () => {
    await symlink(join(outside, 'secret.yml'), join(ws, 'link.yml'));
    await symlink(join(outside, 'nothing.yml'), join(ws, 'dangling.yml'));
    await symlink(outside, join(ws, 'out-dir'));
    const shapes = new Set<string>();
    for (const ref of ['./link.yml', './dangling.yml', 'out-dir/secret.yml', 'out-dir/nothing.yml']) {
      const e = await failure(await policy('via-link.yml', `version: 1\nextends: ${ref}\n`));
      expect(e.code, ref).toBe('POLICY_INVALID');
      shapes.add(shape(e, ref));
    }
    expect(shapes.size).toBe(1);
  });

  it('the named policy itself may not be a link out of the workspace', async () => {
    await symlink(join(outside, 'secret.yml'), join(ws, 'top-link.yml'));
    expect((await failure(join(ws, 'top-link.yml'))).code).toBe('POLICY_INVALID');
  });

  it('a missing file inside the workspace is still POLICY_NOT_FOUND; .git is out of bounds', async () => {
    const e = await failure(await policy('m.yml', 'version: 1\nextends: ./sub/none.yml\n'));
    expect(e.code).toBe('POLICY_NOT_FOUND');
    await policy('.git/config.yml', 'version: 1\n');
    expect((await failure(await policy('g.yml', 'version: 1\nextends: .git/config.yml\n'))).code).toBe(
      'POLICY_INVALID',
    );
  });

  it('a policy inside the workspace extending a sibling and a shipped name still loads', async () => {
    await policy('team/base.yml', 'version: 1\nextends: strict\nlimits: { maxFiles: 9 }\n');
    const p = await loadPolicy(await policy('team/sub/p.yml', 'version: 1\nextends: ../base.yml\n'), {
      root: ws,
    });
    expect(p.limits.maxFiles).toBe(9);
    expect(p.source.chain).toHaveLength(4);
  });
});

describe('scanners.semgrep.rulesDir stays inside the workspace', () => {
  const withRules = (dir: string) =>
    `version: 1\nscanners: { semgrep: { rulesDir: ${JSON.stringify(dir)} } }\n`;

  it('.., absolute, .git and a link out are refused; a plain folder inside loads', async () => {
    await symlink(join(outside, 'rules'), join(ws, 'rules-link'));
    for (const dir of ['..', '../outside/rules', '/etc', '/', 'rules-link', '.git']) {
      const e = await failure(await policy('r.yml', withRules(dir)));
      expect(e.code, dir).toBe('POLICY_INVALID');
    }
    const p = await loadPolicy(await policy('ok.yml', withRules('rules')), { root: ws });
    expect(p.scanners.semgrep.rulesDir).toBe(join(ws, 'rules'));
  });

  it('a rules folder holding a link is refused (the scanner would read through it)', async () => {
    await mkdir(join(ws, 'rules2'));
    await symlink(join(outside, 'passwd'), join(ws, 'rules2', 'x.yaml'));
    const e = await failure(await policy('r2.yml', withRules('rules2')));
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain('link');
  });
});

describe('errors about a file that was read show field names, never values', () => {
  it('a credentials file in the workspace: keys at most, no values', async () => {
    await writeFile(
      join(ws, 'gha-creds.json'),
      JSON.stringify({ type: 'service_account', private_key: SECRET, name: SECRET, version: SECRET }),
    );
    const e = await failure(await policy('c.yml', 'version: 1\nextends: ./gha-creds.json\n'));
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain('private_key'); // the key, as a field name
  });

  it('a .env file, odd keys, an over-long number and a YAML error quoting its input', async () => {
    await writeFile(join(ws, '.env'), `API_TOKEN=${SECRET}\n`);
    expect((await failure(await policy('e.yml', 'version: 1\nextends: ./.env\n'))).code).toBe(
      'POLICY_INVALID',
    );
    const oddKey = await failure(await policy('k.yml', `version: 1\n"root:x:0:0:${SECRET}": 1\n`));
    expect(oddKey.message).toContain('[?]');
    const longKey = await failure(await policy('l.yml', `version: 1\n${'K'.repeat(41)}: 1\n`));
    expect(longKey.message).not.toContain('K'.repeat(41));
    const yaml = await failure(await policy('y.yml', `version: 1\nname: |${SECRET}\n  x\n`));
    expect(yaml.message).toContain('not valid YAML');
    const num = await failure(
      await policy('n.yml', `version: 1\nlimits: { maxFiles: 1234567890123456789012345 }\n`),
    );
    expect(num.message).not.toContain('1234567890123456789012345');
  });
});

describe('a policy read from a trusted revision', () => {
  it('takes the private copy as its whole world', () => {
    expect(revisionCopyRoot('/tmp/x/base/.airlock/p.yml', '.airlock/p.yml')).toBe('/tmp/x/base');
    expect(() => revisionCopyRoot('/tmp/x/base/other.yml', '.airlock/p.yml')).toThrow();
  });
});

describe('the workspace named through a link', () => {
  it('is the same workspace: its policies load, and what leaves it is still refused', async () => {
    await symlink(ws, join(top, 'ws-alias'));
    const alias = join(top, 'ws-alias');
    await policy('alias/base.yml', 'version: 1\nlimits: { maxFiles: 4 }\n');
    await policy('alias/p.yml', 'version: 1\nextends: ./base.yml\n');
    const p = await loadPolicy(join(alias, 'alias/p.yml'), { root: alias });
    expect(p.limits.maxFiles).toBe(4);
    await policy('alias/out.yml', 'version: 1\nextends: ../../outside/secret.yml\n');
    const e = await loadPolicy(join(alias, 'alias/out.yml'), { root: alias }).then(
      () => undefined,
      (err: unknown) => err as UserError,
    );
    expect(e?.code).toBe('POLICY_INVALID');
  });
});
