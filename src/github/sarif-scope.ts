/**
 * Whether a SARIF file may be uploaded for a ref. Code scanning replaces the
 * previous analysis of the same ref and category: results missing from the new one
 * are closed. A pull request's gate scans only the scripts the PR changes, so its
 * analysis is partial; uploaded for a branch ref (as `pull_request_target` reports
 * against the base branch) it would close every alert of that branch's other files.
 * An analysis of a PR ref only closes the PR's own alerts, which is right.
 */
export function sarifUploadRefusal(opts: {
  /** The gate covered only the files changed between two commits. */
  diffScoped: boolean;
  scanned: number;
  targetRef: string;
}): string | undefined {
  if (!opts.diffScoped || opts.targetRef.startsWith('refs/pull/')) return undefined;
  return (
    `the analysis covers only the pull request's changed scripts (${opts.scanned}); ` +
    `uploaded for ${opts.targetRef} it would close that ref's other alerts`
  );
}
