import { afterEach, describe, expect, it } from 'vitest';
import { artifactUrl, defaultArtifactName } from '../../../src/action/artifact-stage.js';
import { readActionInputs } from '../../../src/action/inputs.js';
import { isAirlockError } from '../../../src/errors.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

/** The inputs as the runner passes them (INPUT_<NAME>, name upper-cased, dashes kept). */
function withInputs(inputs: Record<string, string>) {
  process.env = { ...saved };
  for (const [k, v] of Object.entries(inputs)) process.env[`INPUT_${k.toUpperCase()}`] = v;
  return readActionInputs();
}

async function inputError(inputs: Record<string, string>): Promise<string> {
  try {
    await withInputs(inputs);
  } catch (e) {
    if (isAirlockError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'accepted';
}

describe('the workflow artifact name', () => {
  it('is one per run attempt, job and SARIF category', () => {
    expect(defaultArtifactName({ runId: '4242', runAttempt: '2', job: 'gate' }, 'airlock')).toBe(
      'airlock-4242-2-gate',
    );
    expect(defaultArtifactName({ runId: '4242', runAttempt: '1', job: 'gate' }, 'py/3.12')).toBe(
      'airlock-4242-1-gate-py-3.12',
    );
    expect(defaultArtifactName({ runId: '', runAttempt: '', job: undefined }, 'airlock')).toBe(
      'airlock-local-1',
    );
  });

  it('holds only what the artifact service and every file system accept, at most 200 characters', () => {
    const name = defaultArtifactName(
      { runId: '1', runAttempt: '1', job: 'a"b:c<d>e|f*g?h\\i/j\nk' },
      'x'.repeat(300),
    );
    expect(name).toMatch(/^[A-Za-z0-9._-]{1,200}$/);
    expect(name.startsWith('airlock-1-1-a-b-c-d-e-f-g-h-i-j-k-xxx')).toBe(true);
  });

  it('links to the run artifact page GitHub serves', () => {
    const ctx = { serverUrl: 'https://octo.ghe.com', owner: 'o', repo: 'r', runId: '77' };
    expect(artifactUrl(ctx, 123)).toBe('https://octo.ghe.com/o/r/actions/runs/77/artifacts/123');
    expect(artifactUrl({ ...ctx, runId: '' }, 123)).toBeUndefined();
  });
});

describe('the artifact inputs', () => {
  it('default: upload, the name made from the run, the repository retention', async () => {
    const i = await withInputs({});
    expect([i.uploadArtifact, i.artifactName, i.artifactRetentionDays]).toEqual([true, undefined, undefined]);
    const j = await withInputs({
      'upload-artifact': 'false',
      'artifact-name': 'gate-py3.12',
      'artifact-retention-days': '7',
    });
    expect([j.uploadArtifact, j.artifactName, j.artifactRetentionDays]).toEqual([false, 'gate-py3.12', 7]);
  });

  it('refuse what the service would refuse, naming the input and what it expects', async () => {
    expect(await inputError({ 'artifact-name': 'out/put' })).toMatch(
      /^INPUT_INVALID: input artifact-name: expected 1 to 200 letters, digits, \. _ -, got 'out\/put'$/,
    );
    expect(await inputError({ 'artifact-retention-days': '0' })).toMatch(
      /^INPUT_INVALID: input artifact-retention-days: expected a whole number of days from 1 to 400/,
    );
    expect(await inputError({ 'artifact-retention-days': '7d' })).toContain('artifact-retention-days');
    expect(await inputError({ 'upload-artifact': 'yes' })).toBe(
      "INPUT_INVALID: input upload-artifact: expected true or false, got 'yes'",
    );
  });
});
