import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { DEFAULT_LIMITS, DEFAULT_PROFILES } from '../../../src/policy/defaults.js';
import {
  loadPolicy,
  policiesDir,
  policySha256,
  profileFor,
  resolvePolicyRef,
} from '../../../src/policy/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-policy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
  return file;
}

/** Loads and returns the UserError it must throw. */
async function rejection(file: string): Promise<UserError> {
  const e = await loadPolicy(file).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

describe('errors name the file, the field path and what was expected', () => {
  it('an enum value out of range in a list entry', async () => {
    const file = await write(
      'bad-level.yml',
      `version: 1
levels:
  rules:
    - { ruleId: B101, level: low }
    - { ruleId: B102, level: blocked }
    - { ruleId: B307, level: medium }
`,
    );
    const e = await rejection(file);
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain(file);
    expect(e.message).toContain('levels.rules[2].level');
    expect(e.message).toContain('low|high|blocked');
    // The value found is described, never quoted: the file may not be a policy (docs/policy.md).
    expect(e.message).toContain('got text (6 characters)');
    expect(e.message).not.toContain('medium');
  });

  it('an unknown key (a typo) is rejected at its own path', async () => {
    const file = await write('typo.yml', 'version: 1\nprofiles:\n  standard:\n    timeout: 30\n');
    const e = await rejection(file);
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain('profiles.standard.timeout');
    expect(e.message).toContain('unknown key');
  });

  it('a top-level typo is rejected too', async () => {
    const e = await rejection(await write('typo-top.yml', 'version: 1\nallowList: []\n'));
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain('allowList');
  });

  it('a wrong type names the type expected and the value found', async () => {
    const e = await rejection(await write('type.yml', 'version: 1\nlimits:\n  maxFiles: lots\n'));
    expect(e.message).toContain('limits.maxFiles');
    expect(e.message).toContain('expected number');
    expect(e.message).toContain('got text (4 characters)');
    expect(e.message).not.toContain('lots');
  });

  it('a missing or wrong version', async () => {
    expect((await rejection(await write('nover.yml', 'limits: {maxFiles: 3}\n'))).message).toContain(
      'version',
    );
    expect((await rejection(await write('v2.yml', 'version: 2\n'))).code).toBe('POLICY_INVALID');
  });

  it('not YAML, not a mapping, empty, not UTF-8', async () => {
    for (const [name, text] of [
      ['broken.yml', 'version: 1\nlevels: [\n'],
      ['list.yml', '- 1\n- 2\n'],
      ['empty.yml', ''],
      ['dupkey.yml', 'version: 1\nversion: 1\n'],
    ] as const) {
      expect((await rejection(await write(name, text))).code).toBe('POLICY_INVALID');
    }
    const latin1 = join(dir, 'latin1.yml');
    await writeFile(latin1, Buffer.from([0x76, 0x65, 0x72, 0x3a, 0xe9, 0x0a]));
    expect((await rejection(latin1)).code).toBe('POLICY_INVALID');
  });

  it('a YAML alias bomb is refused, not expanded', async () => {
    const lines = ['version: 1', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const e = await rejection(await write('bomb.yml', `${lines.join('\n')}\n`));
    expect(e.code).toBe('POLICY_INVALID');
  });

  it('a missing file is POLICY_NOT_FOUND', async () => {
    expect((await rejection(join(dir, 'nope.yml'))).code).toBe('POLICY_NOT_FOUND');
  });

  it('refuses a root sandbox user, a blocked level that runs, a flag-like image', async () => {
    for (const [name, text, field] of [
      ['root.yml', 'version: 1\nsandbox: { user: "0:0" }\n', 'sandbox.user'],
      ['rootgid.yml', 'version: 1\nsandbox: { user: "10001:0" }\n', 'sandbox.user'],
      ['rootnum.yml', 'version: 1\nsandbox: { user: 0 }\n', 'sandbox.user'],
      // A uid alone would run with gid 0 (root's group).
      ['uidonly.yml', 'version: 1\nsandbox: { user: "12345" }\n', 'sandbox.user'],
      ['uidnum.yml', 'version: 1\nsandbox: { user: 12345 }\n', 'sandbox.user'],
      ['bigid.yml', 'version: 1\nsandbox: { user: "2147483648:10001" }\n', 'sandbox.user'],
      ['runblocked.yml', 'version: 1\nexecute: { blocked: { run: true } }\n', 'execute.blocked.run'],
      ['flagimage.yml', 'version: 1\nsandbox: { image: "--privileged" }\n', 'sandbox.image'],
      [
        'cpus.yml',
        'version: 1\nprofiles: { standard: { memoryMb: 1073741824 } }\n',
        'profiles.standard.memoryMb',
      ],
    ] as const) {
      const e = await rejection(await write(name, text));
      expect(e.code).toBe('POLICY_INVALID');
      expect(e.message).toContain(field);
    }
  });

  it('allowlist entries need a justification and a real expiry date, and exact rule ids', async () => {
    const entry = (extra: string) =>
      `version: 1\nallowlist:\n  - { tool: bandit, ruleId: B101, paths: ["a/**"], ${extra} }\n`;
    const cases = [
      ['nojust.yml', entry('expires: 2030-01-01'), 'allowlist[0].justification'],
      ['blankjust.yml', entry('justification: "  ", expires: 2030-01-01'), 'allowlist[0].justification'],
      ['noexp.yml', entry('justification: ok'), 'allowlist[0].expires'],
      ['badexp.yml', entry('justification: ok, expires: 2030-02-30'), 'allowlist[0].expires'],
      [
        'nopaths.yml',
        'version: 1\nallowlist: [{ tool: bandit, ruleId: B101, paths: [], justification: ok, expires: 2030-01-01 }]\n',
        'allowlist[0].paths',
      ],
      [
        'escape.yml',
        'version: 1\nallowlist: [{ tool: bandit, ruleId: B101, paths: ["../x/**"], justification: ok, expires: 2030-01-01 }]\n',
        'allowlist[0].paths[0]',
      ],
      [
        'wild.yml',
        'version: 1\nallowlist: [{ tool: bandit, ruleId: "B*", paths: ["**"], justification: ok, expires: 2030-01-01 }]\n',
        'allowlist[0].ruleId',
      ],
    ] as const;
    for (const [name, text, field] of cases) {
      const e = await rejection(await write(name, text));
      expect(e.code, name).toBe('POLICY_INVALID');
      expect(e.message, name).toContain(field);
    }
  });

  it('execute must name a defined profile', async () => {
    const e = await rejection(
      await write('noprof.yml', 'version: 1\nexecute: { high: { profile: huge } }\n'),
    );
    expect(e.message).toContain('execute.high.profile');
    expect(e.message).toContain('"huge"');
  });
});

describe('shipped policies', () => {
  it('loadPolicy() is the shipped default, and its numbers equal the built-in defaults', async () => {
    const p = await loadPolicy();
    expect(p.name).toBe('default');
    expect(p.source.path).toBe(join(policiesDir(), 'default.yml'));
    expect(p.profiles).toEqual(DEFAULT_PROFILES);
    expect(p.limits).toEqual(DEFAULT_LIMITS);
    expect(p.levels.unmatched).toBe('high');
    expect(p.levels.scannerError).toBe('blocked');
    expect(p.scanners.semgrep.rulesDir).toBe(join(policiesDir(), 'semgrep'));
    expect(profileFor(p, 'low')).toEqual({ name: 'standard', limits: DEFAULT_PROFILES.standard });
    expect(profileFor(p, 'high')?.name).toBe('restricted');
    expect(profileFor(p, 'blocked')).toBeNull();
  });

  it('strict extends default: blocks more, high does not run, semgrep required, tighter limits', async () => {
    const def = await loadPolicy();
    const strict = await loadPolicy(join(policiesDir(), 'strict.yml'));
    expect(strict.name).toBe('strict');
    expect(strict.source.chain).toEqual([
      join(policiesDir(), 'strict.yml'),
      join(policiesDir(), 'default.yml'),
    ]);
    expect(strict.scanners.semgrep.mode).toBe('required');
    expect(strict.levels.unmatched).toBe('blocked');
    expect(profileFor(strict, 'high')).toBeNull();
    expect(strict.limits.maxFiles).toBeLessThan(def.limits.maxFiles);
    expect(strict.profiles.standard!.memoryMb).toBeLessThan(def.profiles.standard!.memoryMb);
    // untouched fields are inherited
    expect(strict.profiles.standard!.cpus).toBe(def.profiles.standard!.cpus);
    // the child's rules come first, then every one of the parent's
    expect(strict.levels.rules.length).toBeGreaterThan(def.levels.rules.length);
    expect(strict.levels.rules.slice(-def.levels.rules.length)).toEqual(def.levels.rules);
    expect(policySha256(strict)).not.toBe(policySha256(def));
  });

  it('the same policy hashes alike wherever its file lies (checkout, or a pull request base copy in a temp folder)', async () => {
    const text = 'version: 1\nextends: default\nscanners:\n  semgrep:\n    mode: off\n';
    const shallow = await write('gate.yml', text);
    const deep = await write('a/b/c/d/gate.yml', text);
    const one = await loadPolicy(shallow, { root: dir });
    const two = await loadPolicy(deep, { root: dir });
    expect(policySha256(one)).toBe(policySha256(two));
    // A rules folder of the user's is still taken relative to the policy file.
    const own = 'version: 1\nextends: default\nscanners:\n  semgrep:\n    rulesDir: rules\n';
    await mkdir(join(dir, 'rules'), { recursive: true });
    await mkdir(join(dir, 'x/rules'), { recursive: true });
    const top = await loadPolicy(await write('own.yml', own), { root: dir });
    const sub = await loadPolicy(await write('x/own.yml', own), { root: dir });
    expect(policySha256(top)).toBe(policySha256(sub));
    expect(policySha256(top)).not.toBe(
      policySha256(
        await loadPolicy(await write('y/own.yml', text.replace('off', 'required')), { root: dir }),
      ),
    );
  });

  it('the names default and strict are the shipped files wherever the process stands', async () => {
    // A user's repository has no policies/: the name must not be read as a path.
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect((await loadPolicy('strict')).source.path).toBe(join(policiesDir(), 'strict.yml'));
      expect((await loadPolicy('default')).source.path).toBe(join(policiesDir(), 'default.yml'));
      expect((await rejection('policies/default.yml')).message).toContain(join(dir, 'policies/default.yml'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('resolvePolicyRef: names are shipped files, anything else a path under the base directory', () => {
    expect(resolvePolicyRef('strict', dir)).toBe(join(policiesDir(), 'strict.yml'));
    expect(resolvePolicyRef('default', '/elsewhere')).toBe(join(policiesDir(), 'default.yml'));
    expect(resolvePolicyRef('./strict', dir)).toBe(join(dir, 'strict'));
    expect(resolvePolicyRef('strict.yml', dir)).toBe(join(dir, 'strict.yml'));
    expect(resolvePolicyRef('/abs/p.yml', dir)).toBe('/abs/p.yml');
  });

  it('AIRLOCK_POLICIES_DIR overrides the search, and must hold default.yml', async () => {
    const alt = join(dir, 'alt-policies');
    await write('alt-policies/default.yml', 'version: 1\nname: alternative\n');
    const before = process.env.AIRLOCK_POLICIES_DIR;
    try {
      process.env.AIRLOCK_POLICIES_DIR = alt;
      expect(policiesDir()).toBe(alt);
      expect((await loadPolicy()).name).toBe('alternative');
      process.env.AIRLOCK_POLICIES_DIR = join(dir, 'missing');
      expect(() => policiesDir()).toThrow(UserError);
    } finally {
      if (before === undefined) delete process.env.AIRLOCK_POLICIES_DIR;
      else process.env.AIRLOCK_POLICIES_DIR = before;
    }
  });
});

describe('extends', () => {
  it('merges: scalars override, maps merge, rules and allowlist concatenate child first, other lists replace', async () => {
    await write(
      'fam/parent.yml',
      `version: 1
name: parent
levels:
  unmatched: high
  rules: [{ ruleId: P1, level: high }]
profiles: { standard: { memoryMb: 900, cpus: 2 } }
allowlist: [{ tool: bandit, ruleId: B101, paths: ["p/**"], justification: parent, expires: 2099-01-01 }]
failOn: [blocked, high]
scanners: { semgrep: { rulesDir: parent-rules } }
`,
    );
    const child = await write(
      'fam/sub/child.yml',
      `version: 1
extends: ../parent.yml
levels:
  rules: [{ ruleId: C1, level: blocked }]
profiles: { standard: { memoryMb: 700 } }
allowlist: [{ tool: bandit, ruleId: B311, paths: ["c/**"], justification: child, expires: 2099-01-01 }]
failOn: [error]
`,
    );
    await mkdir(join(dir, 'fam', 'parent-rules'));
    const p = await loadPolicy(child, { root: dir });
    expect(p.name).toBe('child'); // a name is not inherited
    expect(p.levels.unmatched).toBe('high');
    expect(p.levels.rules.map((r) => r.ruleId)).toEqual(['C1', 'P1']);
    expect(p.profiles.standard!.memoryMb).toBe(700);
    expect(p.profiles.standard!.cpus).toBe(2);
    expect(p.profiles.restricted).toEqual(DEFAULT_PROFILES.restricted);
    expect(p.allowlist.map((a) => a.justification)).toEqual(['child', 'parent']);
    expect(p.failOn).toEqual(['error']);
    // a relative rulesDir is relative to the file that names it
    expect(p.scanners.semgrep.rulesDir).toBe(join(dir, 'fam', 'parent-rules'));
  });

  it('extends a shipped policy by name', async () => {
    const p = await loadPolicy(
      await write('onstrict.yml', 'version: 1\nextends: strict\nlimits: { maxFiles: 7 }\n'),
    );
    expect(p.limits.maxFiles).toBe(7);
    expect(p.source.chain).toHaveLength(3);
    expect(p.scanners.semgrep.mode).toBe('required');
  });

  it('detects cycles, including through a symlink to the same file', async () => {
    await write('cyc/a.yml', 'version: 1\nextends: b.yml\n');
    await write('cyc/b.yml', 'version: 1\nextends: a.yml\n');
    const e = await rejection(join(dir, 'cyc/a.yml'));
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain('cycle');
    await write('cyc/self.yml', 'version: 1\nextends: self-link.yml\n');
    await symlink(join(dir, 'cyc/self.yml'), join(dir, 'cyc/self-link.yml'));
    expect((await rejection(join(dir, 'cyc/self.yml'))).message).toContain('cycle');
  });

  it('a parent cannot hand the child a uid without gid (the engine would add gid 0)', async () => {
    await write('uidp/parent.yml', 'version: 1\nsandbox: { user: "12345" }\n');
    const e = await rejection(await write('uidp/child.yml', 'version: 1\nextends: parent.yml\n'));
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain('sandbox.user');
    expect(e.message).toContain('gid 0');
  });

  it('an error in a parent names the parent file', async () => {
    const parent = await write('perr/parent.yml', 'version: 1\nsandbox: { runtime: kata }\n');
    const e = await rejection(await write('perr/child.yml', 'version: 1\nextends: parent.yml\n'));
    expect(e.message).toContain(parent);
    expect(e.message).toContain('sandbox.runtime');
  });

  it('refuses absolute and URL extends, and a missing parent', async () => {
    expect(
      (await rejection(await write('abs.yml', 'version: 1\nextends: /etc/airlock.yml\n'))).message,
    ).toContain('extends');
    expect((await rejection(await write('url.yml', 'version: 1\nextends: https://x/p.yml\n'))).code).toBe(
      'POLICY_INVALID',
    );
    expect((await rejection(await write('orphan.yml', 'version: 1\nextends: gone.yml\n'))).code).toBe(
      'POLICY_NOT_FOUND',
    );
  });

  it('a reference broken only after merging names the merged chain', async () => {
    await write(
      'ref/parent.yml',
      'version: 1\nexecute: { low: { profile: big } }\nprofiles: { big: { memoryMb: 2048 } }\n',
    );
    // The child turns the parent's `low` profile into one that exists nowhere.
    const e = await rejection(
      await write('ref/child.yml', 'version: 1\nextends: parent.yml\nexecute: { low: { profile: huge } }\n'),
    );
    expect(e.message).toContain('execute.low.profile');
    expect(e.message).toContain('parent.yml');
  });
});

describe('policySha256', () => {
  it('is stable for the same settings and changes with any setting', async () => {
    const a = await write('h/a.yml', 'version: 1\nlimits: { maxFiles: 9 }\n');
    const b = await write('h/b.yml', '# a comment\nversion: 1\nlimits:\n  maxFiles: 9\n');
    const c = await write('h/c.yml', 'version: 1\nlimits: { maxFiles: 10 }\n');
    const [pa, pb, pc] = await Promise.all([loadPolicy(a), loadPolicy(b), loadPolicy(c)]);
    expect(policySha256(pa)).toMatch(/^[0-9a-f]{64}$/);
    // `name` differs (a vs b) so hash the same settings under one name
    expect(policySha256({ ...pb, name: pa.name })).toBe(policySha256(pa));
    expect(policySha256({ ...pc, name: pa.name })).not.toBe(policySha256(pa));
  });
});
