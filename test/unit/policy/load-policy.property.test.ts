import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { UserError } from '../../../src/errors.js';
import { DEFAULT_PROFILES, FAIL_ON_OUTCOMES } from '../../../src/policy/defaults.js';
import { loadPolicy } from '../../../src/policy/index.js';
import { SCANNER_IDS } from '../../../src/scan/registry.js';

/**
 * Property tests of the loader: every valid policy survives YAML -> loadPolicy with
 * nothing lost or invented; every corrupted one is a POLICY_INVALID UserError, never
 * another exception (a crash in the loader would be a bug surfacing as a stack trace).
 */

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-policy-prop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writePolicy(content: string | Buffer): Promise<string> {
  const file = join(dir, `p${counter++}.yml`);
  await writeFile(file, content);
  return file;
}

const level = fc.constantFrom('low', 'high', 'blocked');
const grade = fc.constantFrom('low', 'medium', 'high');
const tool = fc.constantFrom('bandit', 'semgrep', 'airlock');
const text = fc.string({ unit: 'grapheme', maxLength: 80 });
const profileName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);

const profile = fc
  .record({
    timeoutSeconds: fc.integer({ min: 1, max: 86_400 }),
    memoryMb: fc.integer({ min: 16, max: 65_536 }),
    cpus: fc.integer({ min: 1, max: 6400 }).map((n) => n / 100),
    pids: fc.integer({ min: 1, max: 32_768 }),
    tmpfsMb: fc.integer({ min: 1, max: 8_192 }),
    outputMb: fc.integer({ min: 1, max: 16_384 }),
    nofile: fc.integer({ min: 16, max: 1_048_576 }),
    fsizeMb: fc.integer({ min: 1, max: 65_536 }),
    maxOutputBytes: fc.integer({ min: 1024, max: 256 * 1024 * 1024 }),
    maxArtifacts: fc.integer({ min: 0, max: 100_000 }),
  })
  // Valid means the tmpfs mounts fit below the memory limit too (3 x tmpfs + shm + output).
  .map((p) => ({ ...p, memoryMb: Math.max(p.memoryMb, 4 * p.tmpfsMb + p.outputMb + 1) }));

const rule = fc.record(
  {
    tool,
    ruleId: fc.stringMatching(/^[A-Za-z0-9._*?-]{1,20}$/),
    minSeverity: grade,
    minConfidence: grade,
    level,
    why: fc.string({ unit: 'grapheme', maxLength: 200 }),
  },
  { requiredKeys: ['ruleId', 'minSeverity', 'minConfidence', 'level'] },
);

const isoDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

const allowEntry = fc.record({
  tool,
  ruleId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/),
  paths: fc.array(fc.stringMatching(/^[a-z*]{1,8}(\/[a-z*]{1,8}){0,3}(\.py)?$/), {
    minLength: 1,
    maxLength: 3,
  }),
  justification: text.filter((s) => s.trim().length > 0),
  expires: isoDate,
});

const nonRootId = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** A complete policy document: every field given, so the expected result needs no knowledge of defaults. */
const validPolicy = fc
  .record({
    extraProfiles: fc.dictionary(profileName, profile, { maxKeys: 3 }),
    name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _-]{0,20}$/),
    bandit: fc.record({
      mode: fc.constantFrom('required', 'optional', 'off'),
      timeoutSeconds: fc.integer({ min: 1, max: 86_400 }),
      ignoreNosec: fc.boolean(),
    }),
    semgrep: fc.record({
      mode: fc.constantFrom('required', 'optional', 'off'),
      timeoutSeconds: fc.integer({ min: 1, max: 86_400 }),
      ignoreNosec: fc.boolean(),
      rulesDir: fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}(\/[a-z0-9_-]{1,10}){0,2}$/),
    }),
    rules: fc.array(rule, { maxLength: 6 }),
    unmatched: level,
    scannerError: level,
    runLow: fc.boolean(),
    runHigh: fc.boolean(),
    pickLow: fc.nat(),
    pickHigh: fc.nat(),
    image: fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,30}(:[A-Za-z0-9._-]{1,10})?$/),
    runtime: fc.constantFrom('runc', 'runsc'),
    flavor: fc.constantFrom('core', 'full'),
    uid: nonRootId,
    gid: nonRootId,
    parallelism: fc.integer({ min: 0, max: 64 }),
    allowlist: fc.array(allowEntry, { maxLength: 4 }),
    maxFiles: fc.integer({ min: 1, max: 100_000 }),
    maxFileBytes: fc.integer({ min: 1, max: 64 * 1024 * 1024 }),
    maxDataFiles: fc.integer({ min: 1, max: 1000 }),
    maxDataBytes: fc.integer({ min: 1, max: 8 * 1024 ** 3 }),
    data: fc.array(fc.stringMatching(/^[a-z*]{1,8}(\/[a-z*]{1,8}){0,3}(\.csv)?$/), { maxLength: 3 }),
    failOn: fc.uniqueArray(fc.constantFrom(...FAIL_ON_OUTCOMES)),
  })
  .map((g) => {
    const profiles = { ...g.extraProfiles };
    const names = [...new Set(['standard', 'restricted', ...Object.keys(profiles)])];
    return {
      version: 1,
      name: g.name,
      scanners: { bandit: g.bandit, semgrep: g.semgrep },
      levels: { rules: g.rules, unmatched: g.unmatched, scannerError: g.scannerError },
      execute: {
        low: { run: g.runLow, profile: names[g.pickLow % names.length]! },
        high: { run: g.runHigh, profile: names[g.pickHigh % names.length]! },
        blocked: { run: false },
      },
      profiles,
      sandbox: {
        flavor: g.flavor,
        image: g.image,
        runtime: g.runtime,
        user: `${g.uid}:${g.gid}`,
        parallelism: g.parallelism,
      },
      allowlist: g.allowlist,
      limits: {
        maxFiles: g.maxFiles,
        maxFileBytes: g.maxFileBytes,
        maxDataFiles: g.maxDataFiles,
        maxDataBytes: g.maxDataBytes,
      },
      data: g.data,
      failOn: g.failOn,
    };
  });

type Doc = Record<string, unknown>;

/** The objects of a document one can add a key to, as paths. */
function objectPaths(doc: Doc): string[][] {
  const out: string[][] = [];
  const visit = (v: unknown, path: string[]) => {
    if (typeof v !== 'object' || v === null) return;
    if (!Array.isArray(v) && !(path.length === 1 && path[0] === 'profiles')) out.push(path);
    for (const [k, child] of Object.entries(v)) visit(child, [...path, k]);
  };
  visit(doc, []);
  return out;
}

function at(doc: Doc, path: string[]): Doc {
  return path.reduce<Doc>((o, k) => o[k] as Doc, doc);
}

async function expectInvalid(file: string): Promise<void> {
  const e = await loadPolicy(file).then(
    () => new Error('loaded'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  expect((e as UserError).code).toBe('POLICY_INVALID');
}

describe('loadPolicy properties', () => {
  it('a valid policy round-trips through YAML unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(validPolicy, async (doc) => {
        const file = await writePolicy(stringify(doc));
        // A rules folder must exist inside the scope (src/policy/policy-scope.ts).
        await mkdir(join(dir, doc.scanners.semgrep.rulesDir), { recursive: true });
        const p = await loadPolicy(file, { root: dir });
        const { version: _v, name, profiles, scanners, ...rest } = doc;
        expect(p.name).toBe(name);
        expect(p.profiles).toEqual({ ...DEFAULT_PROFILES, ...profiles });
        // The sections the file names, as written; every other registered scanner at its defaults.
        expect(Object.keys(p.scanners)).toEqual(SCANNER_IDS);
        expect(p.scanners).toMatchObject({
          bandit: scanners.bandit,
          semgrep: { ...scanners.semgrep, rulesDir: join(dir, scanners.semgrep.rulesDir) },
        });
        for (const [key, value] of Object.entries(rest)) expect(p[key as keyof typeof p], key).toEqual(value);
      }),
      { numRuns: 150 },
    );
  });

  it('an unknown key anywhere is POLICY_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(
        validPolicy,
        fc.nat(),
        fc.stringMatching(/^[a-z][A-Za-z]{0,12}$/),
        async (doc, pick, key) => {
          const targets = objectPaths(doc);
          const target = at(doc, targets[pick % targets.length]!);
          fc.pre(!(key in target));
          target[`${key}X`] = 1;
          await expectInvalid(await writePolicy(stringify(doc)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a wrong type or out-of-range value in any scalar field is POLICY_INVALID', async () => {
    const bad = fc.oneof(
      fc.constant(null),
      fc.constant([]),
      fc.constant({ nested: true }),
      fc.constantFrom('medium', 'yes please', '', '-1'),
      fc.constantFrom(-1, 0.5, 1e12),
    );
    await fc.assert(
      fc.asyncProperty(validPolicy, fc.nat(), bad, async (doc, pick, value) => {
        const scalars: [Doc, string][] = [];
        const visit = (v: unknown) => {
          if (typeof v !== 'object' || v === null) return;
          for (const [k, child] of Object.entries(v)) {
            if (typeof child === 'object' && child !== null) visit(child);
            else scalars.push([v as Doc, k]);
          }
        };
        visit(doc);
        const [obj, key] = scalars[pick % scalars.length]!;
        const original = obj[key];
        // Free-text and glob fields accept most strings, and grades accept "medium": a
        // string replaces only a number or boolean. cpus alone takes fractions.
        fc.pre(!(typeof value === 'string' && typeof original === 'string'));
        fc.pre(!(key === 'cpus' && value === 0.5));
        obj[key] = value;
        await expectInvalid(await writePolicy(stringify(doc)));
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes over a valid file: loads or POLICY_INVALID, never another exception', async () => {
    await fc.assert(
      fc.asyncProperty(
        validPolicy,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        async (doc, flips) => {
          const bytes = Buffer.from(stringify(doc));
          for (const [pos, byte] of flips) bytes[pos % bytes.length] = byte;
          const outcome = await loadPolicy(await writePolicy(bytes)).then(
            () => 'loaded',
            (e: unknown) => e,
          );
          if (outcome !== 'loaded') {
            expect(outcome).toBeInstanceOf(UserError);
            expect(['POLICY_INVALID', 'POLICY_NOT_FOUND']).toContain((outcome as UserError).code);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('arbitrary text is POLICY_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (s) => {
        await expectInvalid(await writePolicy(s));
      }),
      { numRuns: 200 },
    );
  });
});
