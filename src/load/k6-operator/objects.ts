/**
 * What `--engine k6-operator` creates (issue 17 item 3): a ConfigMap holding the bundled script
 * and a `TestRun` (k6.io/v1alpha1) that runs it on `parallelism` runner pods. Field names and
 * types follow grafana/k6-operator api/v1alpha1/testrun_types.go (TestRunSpec, K6Script,
 * K6Configmap, Pod) and its generated CRD config/crd/bases/k6.io_testruns.yaml (required:
 * parallelism, script; cleanup enum "post"; status.stage enum).
 *
 * The operator gives runner i of N (1-based) `--execution-segment=(i-1)/N:i/N
 * --execution-segment-sequence=0,1/N,…,1` (pkg/segmentation/segmentation.go
 * NewCommandFragments): the same segments `--instances N` uses (src/load/segments.ts).
 * `arguments` reaches k6 twice, and neither way keeps JSON intact:
 *  - the runners: split into argv (pkg/resources/jobs/runner.go NewRunnerJob; strings.Split on
 *    " " in older operators, `Spec.Argv()` in later ones), no shell for a ConfigMap script;
 *  - the initializer, which runs first: pkg/types/k6cli.go ParseCLI keeps every flag but
 *    --no-usage-report/-l/-v as ArchiveArgs, and pkg/resources/jobs/initializer.go joins them
 *    into a `sh -c "… k6 archive <script> -O <archive> <ArchiveArgs> …"` program ("Arguments are
 *    joined back verbatim"), so the shell removes JSON's double quotes and backslashes; the
 *    script's init then fails, the initializer job fails and the controller sets stage "error"
 *    (controllers/k6_initialize.go RunValidations).
 * So the plan and profile travel percent-encoded (operatorJson): only [A-Za-z0-9%._-], which
 * no splitter and no POSIX shell changes; scripts/resilience.ts decodes a value that does not
 * start with `{`.
 */
import type { LoadProfile, RequestPlan } from '../model.js';
import { SUMMARY_TO_STDOUT } from '../k6/metrics/markers.js';
import { labelValue, RUN_ID_LABEL } from '../../ports.js';

export const K6_GROUP = 'k6.io';
export const K6_VERSION = 'v1alpha1';
export const TESTRUN_PLURAL = 'testruns';
/** the ConfigMap key, and so the file name under /test/ in the runner (TestRunSpec.ParseScript) */
export const SCRIPT_KEY = 'resilience.js';
/** every object meshproof creates carries this label, so a leftover is easy to find */
export const CREATED_BY = { 'app.kubernetes.io/managed-by': 'meshproof' };

/** The labels of the ConfigMap and the TestRun: meshproof's, and the run (= TestRun name) they belong to. */
export function createdLabels(name: string): Record<string, string> {
  return { ...CREATED_BY, [RUN_ID_LABEL]: labelValue(name) };
}
/** ConfigMaps hold at most 1 MiB (kube-apiserver: "Too long: must have at most 1048576 bytes") */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/**
 * The longest `arguments` the operator's pods can run: the initializer's container runs them as
 * part of one `sh -c` program (initializer.go newInitializerCommand), one argv string, which
 * Linux's execve refuses above MAX_ARG_STRLEN = 32 pages = 128 KiB (include/uapi/linux/
 * binfmts.h; E2BIG, "argument list too long"); 8 KiB of it are left for the rest of that
 * program (its shell text ~0.7 KiB in recent operator code, the script and archive paths).
 */
export const ARGUMENTS_MAX_BYTES = 128 * 1024 - 8 * 1024;

type Obj = Record<string, unknown>;

export interface TestRunInput {
  name: string;
  namespace: string;
  parallelism: number;
  script: string;
  plan: RequestPlan;
  profile: LoadProfile;
  /** runner image; default: the operator's */
  image?: string;
}

/**
 * JSON, percent-encoded so that only [A-Za-z0-9%._-] remain: encodeURIComponent leaves
 * `!'()*~` as they are, and those mean something to a shell, so they are encoded too.
 */
export function operatorJson(value: unknown): string {
  return encodeURIComponent(JSON.stringify(value)).replace(
    /[!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `arguments` of the TestRun: k6 flags before the script path (runner.go appends the script after them). */
export function operatorArguments(plan: RequestPlan, profile: LoadProfile): string {
  return [
    '--no-usage-report',
    '-e',
    `MESHPROOF_PLAN=${operatorJson(plan)}`,
    '-e',
    `MESHPROOF_PROFILE=${operatorJson(profile)}`,
    '-e',
    `MESHPROOF_SUMMARY=${SUMMARY_TO_STDOUT}`,
  ].join(' ');
}

export function configMapObject(input: TestRunInput): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: input.name, namespace: input.namespace, labels: createdLabels(input.name) },
    data: { [SCRIPT_KEY]: input.script },
  };
}

/** The pods the operator makes for a TestRun are clients of the mesh, not members: no sidecar. */
const NO_SIDECAR = { 'sidecar.istio.io/inject': 'false' };

/**
 * No `cleanup: post`: with it the controller deletes the TestRun — and through the owner
 * references the runner pods whose logs meshproof reads — as soon as the stage is `finished`
 * (controllers/testrun_controller.go, case "error", "finished"). meshproof deletes it itself
 * after reading the logs. No `paused`: its default ("true": runners start with `--paused`, the
 * starter resumes them, pkg/resources/jobs/runner.go) is what starts the segments together;
 * operator builds that also hold the TestRun in stage "created" while spec.paused is not
 * "false" (the guard of grafana/k6-operator#457) are resumed by the engine (engine.ts).
 *
 * The sidecar annotation goes on the runner and on the starter: the starter's pod takes its
 * metadata from `spec.starter` only (pkg/resources/jobs/starter.go NewStarterJob), and an
 * injected starter cannot reach the runners or never completes (grafana/k6-operator#42, #82).
 * The initializer takes the runner's (initializer.go NewInitializerJob: `spec.initializer`
 * unset is a copy of `spec.runner`; older operators read the runner's fields directly), image
 * included, so it is left unset.
 */
export function testRunObject(input: TestRunInput): Obj {
  const runner: Obj = { metadata: { annotations: { ...NO_SIDECAR }, labels: { ...CREATED_BY } } };
  if (input.image) runner.image = input.image;
  return {
    apiVersion: `${K6_GROUP}/${K6_VERSION}`,
    kind: 'TestRun',
    metadata: { name: input.name, namespace: input.namespace, labels: createdLabels(input.name) },
    spec: {
      parallelism: input.parallelism,
      script: { configMap: { name: input.name, file: SCRIPT_KEY } },
      arguments: operatorArguments(input.plan, input.profile),
      runner,
      starter: { metadata: { annotations: { ...NO_SIDECAR }, labels: { ...CREATED_BY } } },
    },
  };
}

/** The runner pods of a TestRun (api/v1alpha1/testrun_types.go ListOptions). */
export function runnerSelector(name: string): string {
  return `app=k6,k6_cr=${name},runner=true`;
}

/** The initializer's pod, as the controller finds it (controllers/common.go inspectTestRun). */
export function initializerSelector(name: string): string {
  return `app=k6,k6_cr=${name},job-name=${name}-initializer`;
}

/**
 * JSON Patch that lets a TestRun held in stage "created" start: spec.paused "false", only on
 * the object with this uid (a `test` op: a same-named TestRun someone else made is refused).
 * The runners were created with `--paused` already (runner.go reads spec.paused in CreateJobs,
 * before the stage is "created"); the guard of grafana/k6-operator#457 (testrun_controller.go
 * case "created": `if k6.IsPaused() { return }`) then lets StartJobs create the starter.
 */
export function resumePatch(uid: string): Obj[] {
  return [
    { op: 'test', path: '/metadata/uid', value: uid },
    { op: 'add', path: '/spec/paused', value: 'false' },
  ];
}

/** status.stage values after which nothing more happens (CRD enum: …, finished, error). */
export const FINAL_STAGES = ['finished', 'error'] as const;
