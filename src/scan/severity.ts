import type { Confidence, Severity } from '../report/types.js';

/**
 * Scanner vocabularies differ (Bandit: LOW/MEDIUM/HIGH/UNDEFINED; Semgrep:
 * INFO/WARNING/ERROR, and since 2024 also LOW/MEDIUM/HIGH/CRITICAL). An unknown word
 * maps to `medium`: we do not know it is harmless, and `high` would block on a
 * scanner's vocabulary change alone.
 */
export function toSeverity(word: unknown): Severity {
  switch (typeof word === 'string' ? word.toUpperCase() : '') {
    case 'LOW':
    case 'INFO':
    case 'INVENTORY':
    case 'EXPERIMENT':
      return 'low';
    case 'HIGH':
    case 'ERROR':
    case 'CRITICAL':
      return 'high';
    default:
      return 'medium';
  }
}

export function toConfidence(word: unknown): Confidence {
  switch (typeof word === 'string' ? word.toUpperCase() : '') {
    case 'LOW':
      return 'low';
    case 'HIGH':
      return 'high';
    default:
      return 'medium';
  }
}
