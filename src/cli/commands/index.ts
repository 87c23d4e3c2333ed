import type { CliCommand } from '../command.js';
import { auditKeygenCommand } from './audit-keygen.js';
import { auditVerifyCommand } from './audit-verify.js';
import { gateCommand, scanCommand } from './gate.js';
import { imageBuildCommand } from './image-build.js';
import { mergeCommand } from './merge.js';
import { planCommand } from './plan.js';
import { renderK8sCommand } from './render-k8s.js';
import { runCommand } from './run.js';
import { smokeCommand } from './smoke.js';

/**
 * Every command the CLI knows. Each lives in its own module beside this one;
 * add one line here when adding a command.
 */
export const commands: CliCommand[] = [
  gateCommand,
  scanCommand,
  planCommand,
  mergeCommand,
  auditVerifyCommand,
  auditKeygenCommand,
  imageBuildCommand,
  runCommand,
  smokeCommand,
  renderK8sCommand,
];
