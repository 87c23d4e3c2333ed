import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { egressFor } from '../../../src/egress/policy-egress.js';
import { UserError } from '../../../src/errors.js';
import { loadPolicy, profileFor } from '../../../src/policy/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-egress-policy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string, text: string) {
  const file = join(dir, name);
  await writeFile(file, text);
  return loadPolicy(file);
}

const PROFILE = `profiles:
  fetch:
    egress:
      allow:
        - pypi.org
        - files.pythonhosted.org:443
        - { host: "data.example.org:80", methods: [GET], paths: [/datasets/] }
      maxBytes: 1048576
`;

describe('profiles.<name>.egress', () => {
  it('the shipped default policy gives no level any network', async () => {
    const policy = await loadPolicy('default');
    expect(egressFor(policy, 'low')).toBeNull();
    expect(egressFor(policy, 'high')).toBeNull();
  });

  it('a low script gets its profile egress; a high one does not, on the same profile', async () => {
    const policy = await load(
      'shared.yml',
      `version: 1
${PROFILE}execute:
  low: { profile: fetch }
  high: { profile: fetch }
`,
    );
    expect(egressFor(policy, 'low')).toEqual({
      maxBytes: 1048576,
      rules: [
        { host: 'pypi.org', ports: [443], methods: [], paths: [] },
        { host: 'files.pythonhosted.org', ports: [443], methods: [], paths: [] },
        { host: 'data.example.org', ports: [80], methods: ['GET'], paths: ['/datasets/'] },
      ],
    });
    expect(egressFor(policy, 'high')).toBeNull();
    expect(egressFor(policy, 'blocked')).toBeNull();
    // Egress is not a sandbox limit: the limits a report records stay limits only.
    expect(profileFor(policy, 'low')?.limits).not.toHaveProperty('egress');
  });

  it('a high script gets egress only when execute.high.egress says so', async () => {
    const policy = await load(
      'high.yml',
      `version: 1
${PROFILE}execute:
  low: { profile: fetch, egress: false }
  high: { profile: fetch, egress: true }
`,
    );
    expect(egressFor(policy, 'high')?.rules.map((r) => r.host)).toEqual([
      'pypi.org',
      'files.pythonhosted.org',
      'data.example.org',
    ]);
    expect(egressFor(policy, 'low')).toBeNull();
  });

  it.each([
    ['1.2.3.4', 'an IP literal'],
    ['*', 'expected a host name'],
    ['org', 'expected a name with a dot'],
    ['pypi.org:99999', 'expected a port 1-65535'],
  ])('refuses allow entry %s, naming the file and field', async (entry, message) => {
    const e = await load(
      'bad.yml',
      `version: 1
profiles:
  fetch:
    egress:
      allow: ["${entry}"]
`,
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).code).toBe('POLICY_INVALID');
    expect((e as UserError).message).toContain('bad.yml');
    expect((e as UserError).message).toContain('profiles.fetch.egress.allow');
    expect((e as UserError).message).toContain(message);
  });
});
