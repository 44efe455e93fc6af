/**
 * `@kubernetes/client-node`, loaded on first use. Importing it costs about 0.8 s of CPU (its
 * ~970 generated modules; measured with `node -e "await import('@kubernetes/client-node')"`),
 * more than the rest of the CLI's start-up together, and `--help`, `validate`, `lint`, `diff`
 * and a `load` against a URL never talk to Kubernetes. So no module of meshproof imports its
 * values statically (tests/cli/startup-imports.test.ts holds that): a connection loads it
 * (kubeconfig.ts `loadConnection`) and carries it, and everything after works from the
 * connection. Types come through `import type`, which costs nothing at run time.
 */
import type * as ClientNodeModule from '@kubernetes/client-node';

export type ClientNode = typeof ClientNodeModule;

let loaded: ClientNode | undefined;

/** The library, imported once per process. */
export async function clientNode(): Promise<ClientNode> {
  loaded ??= await import('@kubernetes/client-node');
  return loaded;
}

/**
 * The library if something already loaded it, else undefined: a value of one of its classes
 * (an `ApiException`) can exist only once it is loaded, so `instanceof` checks need no import.
 */
export function loadedClientNode(): ClientNode | undefined {
  return loaded;
}
