/** Assess: findings + policy -> a trust level per script. */
export {
  type Assessment,
  assessScript,
  type Judged,
  judge as judgeFinding,
  maxLevel,
  SCAN_ERROR_RULE_ID,
} from './assess-script.js';
