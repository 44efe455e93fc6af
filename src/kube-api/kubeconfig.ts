/**
 * The kubeconfig a client needs for the local Kubernetes API: one cluster, user and context
 * named `meshproof-local`. Plain http on loopback, so `insecure-skip-tls-verify: true` (which
 * @kubernetes/client-node needs to accept an http server, ecosystem.md "Kubernetes") and no
 * credentials (the server authenticates nobody and allows everything).
 */
export const LOCAL_CONTEXT = 'meshproof-local';

export function kubeconfigText(server: string, namespace = 'default'): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: ${LOCAL_CONTEXT}
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
users:
- name: ${LOCAL_CONTEXT}
  user: {}
contexts:
- name: ${LOCAL_CONTEXT}
  context:
    cluster: ${LOCAL_CONTEXT}
    user: ${LOCAL_CONTEXT}
    namespace: ${namespace}
current-context: ${LOCAL_CONTEXT}
`;
}
