/** Named defaults of an experiment, each with its reason (style.md habit 5). */

/** One baseline and one policy phase: the cheapest run that still compares something. */
export const DEFAULT_REPEAT = 1;
/** More alternations than this multiplies run time without tightening intervals much. */
export const MAX_REPEAT = 20;
/**
 * Longest scenario name. It names the report folder and, with a 25-character time prefix, the
 * run id and its journal file; a file name holds at most 255 bytes (NAME_MAX), so a longer
 * name would end in ENAMETOOLONG halfway through a run (issue 13 item 8).
 */
export const MAX_SCENARIO_NAME = 100;
/** 1 s of unmeasured load before each phase: opens keep-alive connections, fills pools. */
export const DEFAULT_WARMUP_MS = 1000;
/** No extra wait after propagation is verified: the check already saw the policy in the data plane. */
export const DEFAULT_SETTLE_MS = 0;
/** istiod usually pushes in well under a second; 30 s covers a busy control plane and many replicas. */
export const DEFAULT_PROPAGATION_TIMEOUT_MS = 30_000;
/** The demo world's path (src/mesh/app-model.ts); a real target without `path` gets "/". */
export const DEFAULT_LOCAL_PATH = '/productpage';
export const DEFAULT_REMOTE_PATH = '/';
export const DEFAULT_METHOD = 'GET';
