/** The policy library: load Istio YAML with positions, validate it as Istio would, lint it for known traps. */
export { loadPolicies, loadPolicyText, isCheckedKind, MAX_POLICY_FILE_BYTES } from './load.js';
export { validate } from './validate.js';
export { lint, type LintOptions } from './lint.js';
export {
  formatFinding,
  formatFindingsGrouped,
  sortFindings,
  countBySeverity,
  Severity,
  type Finding,
} from './findings.js';
export { isValidRetryOnToken, retryOnTokens, DEFAULT_RETRY_ON, RETRY_ON_POLICIES } from './retry-on.js';
export * from './model.js';
export {
  checkPolicies,
  checkDocs,
  checkFailed,
  formatCheckReport,
  type CheckReport,
  type DocumentSummary,
} from './check.js';
