/**
 * `--engine k6-operator` from flags: the kubeconfig connection, the namespace the user named for
 * the TestRun (--k6-namespace), the bundled script, and the journal folder.
 */
import { UsageError } from '../errors.js';
import { K6OperatorEngine } from '../load/k6-operator/engine.js';
import { findScript } from '../load/k6/engine.js';
import { DEFAULT_JOURNAL_DIR } from './journal.js';
import { K8sOperatorApi } from './k6-operator-api.js';
import { loadConnection } from './kubeconfig.js';

export interface OperatorFlags {
  kubeconfig?: string;
  context?: string;
  /** --k6-namespace: where the ConfigMap and the TestRun go (the operator must watch it) */
  namespace?: string;
  journalDir?: string;
  /** --k6-image: the runner image */
  image?: string;
}

export async function createOperatorEngine(f: OperatorFlags): Promise<K6OperatorEngine> {
  if (!f.namespace)
    throw new UsageError(
      '--engine k6-operator needs --k6-namespace NAME: the namespace where meshproof creates the ConfigMap and the TestRun',
    );
  const conn = await loadConnection({ kubeconfig: f.kubeconfig, context: f.context, namespace: f.namespace });
  return new K6OperatorEngine({
    api: new K8sOperatorApi(conn),
    namespace: f.namespace,
    script: findScript(),
    journalDir: f.journalDir ?? DEFAULT_JOURNAL_DIR,
    image: f.image,
  });
}
