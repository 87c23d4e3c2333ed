/** Discover: which scripts a run covers, each read and hashed once. */
export { changedPythonFiles } from './changed-files.js';
export {
  type DiscoveredScript,
  type DiscoverOptions,
  type DiscoveryResult,
  discoverScripts,
  MAX_SKIPPED_REPORTED,
  type Skipped,
} from './discover-scripts.js';
export { stillMatches } from './read-script.js';
export { notebookFindings, stagedNames } from './notebook-script.js';
