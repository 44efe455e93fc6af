/**
 * Where handleSummary prints the summary when MESHPROOF_SUMMARY is `stdout`: between these two
 * lines of the k6 runner's output, so a runner whose files nobody can read (a k6-operator
 * runner pod) hands it over through its log (`pods/log`). ES2017, no Node APIs.
 */
export const SUMMARY_TO_STDOUT = 'stdout';
export const SUMMARY_BEGIN = '-----BEGIN MESHPROOF SUMMARY-----';
export const SUMMARY_END = '-----END MESHPROOF SUMMARY-----';
