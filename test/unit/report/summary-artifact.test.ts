import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../../src/report/summary.js';
import { execution, gateReport, script, sha } from '../../helpers/report-fixture.js';

const URL = 'https://github.com/o/r/actions/runs/9/artifacts/123';
const plot = script('analysis/plot.py', 'high', {
  execution: execution({ artifacts: [{ path: 'hist.png', bytes: 2048, sha256: sha('png') }] }),
});
const report = gateReport([plot]);

describe('the job summary and the workflow artifact', () => {
  it('links to the uploaded artifact at the top and from the script artifact list', () => {
    const md = renderSummary(report, {
      artifactUrl: URL,
      artifact: {
        name: 'airlock-9-1-gate',
        url: URL,
        files: 4,
        bytes: 3300,
        digest: 'ab'.repeat(32),
        skipped: [],
      },
    });
    const top = md.slice(0, md.indexOf('### '));
    expect(top).toContain(
      `📦 **Workflow artifact:** [\`airlock-9-1-gate\`](${URL}): this run's output directory (report.json, the SARIF, this summary, the scripts' artifacts), 4 file(s), zip 3.2 KiB, sha256 \`${'ab'.repeat(32)}\`.`,
    );
    expect(md).toContain(`in the [workflow artifact](${URL}) under \`001-plot/\``);
    expect(md).not.toContain('not uploaded');
  });

  it('says so when nothing was uploaded, and the script list points at the output directory', () => {
    const md = renderSummary(report, {
      artifact: { name: 'airlock-9-1-gate', failed: 'Failed request: (403) Forbidden: no', skipped: [] },
    });
    expect(md).toContain(
      "> ⚠️ **Output not uploaded as a workflow artifact** (`airlock-9-1-gate`): Failed request: \\(403\\) Forbidden: no. The gate's verdict does not depend on it.",
    );
    expect(md).toContain('in the output directory under `001-plot/`');
    expect(md).not.toContain('📦');
  });

  it('names left-out files as inert text: a script chose those names', () => {
    const hostile = ['001-plot/x:<img src=x onerror=alert(1)>.png (a name the artifact service refuses)'];
    const skipped = [
      ...hostile,
      ...Array.from({ length: 12 }, (_, i) => `001-plot/f${i}? (a name the artifact service refuses)`),
    ];
    const md = renderSummary(report, { artifact: { name: 'a', url: URL, files: 3, skipped } });
    expect(md).toContain(
      '> ⚠️ 13 file(s) of the output directory not uploaded: 001-plot/x:&lt;img src=x onerror=alert\\(1\\)&gt;.png',
    );
    expect(md).not.toContain('<img');
    expect(md).toContain(', and 3 more.');
  });

  it('without an upload (the CLI), no artifact line at all', () => {
    const md = renderSummary(report);
    expect(md).not.toContain('Workflow artifact');
    expect(md).not.toContain('not uploaded as a workflow artifact');
    expect(md).toContain('in the output directory under `001-plot/`');
  });
});
