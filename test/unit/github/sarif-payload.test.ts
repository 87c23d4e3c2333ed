import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { prepareSarif, toCheckoutUri } from '../../../src/github/sarif-payload.js';

const doc = {
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'Bandit' } } }, { tool: { driver: { name: 'Semgrep' } } }],
};

interface Decoded {
  runs: Array<{ automationDetails?: { id: string } }>;
}

function decode(encoded: string): Decoded {
  return JSON.parse(gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8'));
}

describe('prepareSarif', () => {
  it('is base64(gzip(json)) and leaves the document alone without a category', () => {
    const text = JSON.stringify(doc);
    const r = prepareSarif(text);
    if (!r.ok) throw new Error(r.reason);
    expect(gunzipSync(Buffer.from(r.sarif.encoded, 'base64')).toString('utf8')).toBe(text);
    expect(r.sarif.runs).toBe(2);
  });

  it('writes the category into every run as automationDetails.id "<category>/"', () => {
    const r = prepareSarif(JSON.stringify(doc), 'airlock/pr');
    if (!r.ok) throw new Error(r.reason);
    expect(decode(r.sarif.encoded).runs.map((x) => x.automationDetails?.id)).toEqual([
      'airlock/pr/',
      'airlock/pr/',
    ]);
  });

  it('refuses what is not SARIF-shaped JSON', () => {
    expect(prepareSarif('{').ok).toBe(false);
    expect(prepareSarif('{"version":"2.1.0"}').ok).toBe(false);
    expect(prepareSarif('null').ok).toBe(false);
  });

  it('makes file URIs with the trailing slash a directory needs', () => {
    expect(toCheckoutUri('/home/runner/work/r/r')).toBe('file:///home/runner/work/r/r/');
    expect(toCheckoutUri('/w/a b#c')).toBe('file:///w/a%20b%23c/');
    expect(toCheckoutUri('file:///w/')).toBe('file:///w/');
  });
});
