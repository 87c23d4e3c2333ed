import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The `sarif` field of POST /repos/{owner}/{repo}/code-scanning/sarifs:
 * base64(gzip(SARIF JSON)), as the OpenAPI description requires
 * ("gzip -c analysis-data.sarif | base64 -w0").
 */

/**
 * GitHub rejects an upload whose gzipped SARIF exceeds 10 MB ("SARIF file is too
 * large", 413; docs: code-security troubleshooting-sarif-uploads/file-too-large).
 * We read "10 MB" as 10,000,000 bytes, the stricter reading, so we never send a file
 * GitHub could refuse and can say why ourselves.
 */
export const MAX_GZIPPED_SARIF_BYTES = 10_000_000;

export interface PreparedSarif {
  /** base64(gzip(json)) */
  encoded: string;
  gzippedBytes: number;
  runs: number;
}

export type PrepareResult = { ok: true; sarif: PreparedSarif } | { ok: false; reason: string };

interface SarifRun {
  automationDetails?: { id?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/**
 * The REST body has no `category` field: code scanning reads the category from
 * each run's `automationDetails.id` ("<category>/<run id>"; the part before the
 * last `/` is the category). So a category is written into the SARIF, as
 * github/codeql-action's upload-sarif does with its `category` input.
 */
function applyCategory(runs: SarifRun[], category: string): void {
  const id = category.endsWith('/') ? category : `${category}/`;
  for (const run of runs) {
    run.automationDetails = { ...(run.automationDetails ?? {}), id };
  }
}

export function prepareSarif(sarifJson: string, category?: string): PrepareResult {
  let doc: unknown;
  try {
    doc = JSON.parse(sarifJson);
  } catch (e) {
    return { ok: false, reason: `the SARIF to upload is not valid JSON (${(e as Error).message})` };
  }
  const runs = (doc as { runs?: unknown } | null)?.runs;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(runs)) {
    return { ok: false, reason: 'the SARIF to upload has no `runs` array' };
  }
  let text = sarifJson;
  if (category) {
    applyCategory(runs as SarifRun[], category);
    text = JSON.stringify(doc);
  }
  const gz = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  if (gz.length > MAX_GZIPPED_SARIF_BYTES) {
    return {
      ok: false,
      reason:
        `the SARIF is ${gz.length} bytes gzipped; GitHub code scanning accepts at most ` +
        `${MAX_GZIPPED_SARIF_BYTES} bytes (10 MB) per upload. The findings are still in the ` +
        `report and the job summary; narrow the paths or the rules to upload them.`,
    };
  }
  return { ok: true, sarif: { encoded: gz.toString('base64'), gzippedBytes: gz.length, runs: runs.length } };
}

/**
 * `checkout_uri` must be a URI (file:///home/runner/work/x/x/). Accept a path or a
 * file: URI; a directory URI needs the trailing slash or GitHub resolves relative
 * paths against its parent.
 */
export function toCheckoutUri(pathOrUri: string): string {
  const href = pathOrUri.startsWith('file:') ? pathOrUri : pathToFileURL(pathOrUri).href;
  return href.endsWith('/') ? href : `${href}/`;
}
