/** Fragments of a real gateway's /config_dump shared by the translate tests (protobuf JSON as Envoy prints it). */

/** Istio ≥ 1.24's default retry policy on a route (retry.go `newRetryPolicy`; int64 as a string). */
export const ISTIO_DEFAULT_RETRY_POLICY = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [
    {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
      },
    },
  ],
  host_selection_retry_max_attempts: '5',
};
