/**
 * The SARIF `artifactLocation.uri` of a workspace-relative path. Each segment is
 * percent-encoded (RFC 3986): a file named `a b#1?.py` or `x:y.py` would otherwise be
 * read as a fragment, a query or a URI scheme, and GitHub would attach the alert to
 * the wrong file or drop it. Non-ASCII names become percent-encoded UTF-8.
 * Returns null for anything that is not a plain relative path (absolute, `..`, empty
 * segments, NUL, backslashes): such a path never reaches a SARIF file.
 */
export function relativeSarifUri(relativePath: string): string | null {
  if (relativePath.length === 0 || relativePath.includes('\0') || relativePath.includes('\\')) return null;
  if (relativePath.startsWith('/')) return null;
  const segments = relativePath.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  return segments.map((s) => encodeURIComponent(s)).join('/');
}
