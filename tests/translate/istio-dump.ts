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

/**
 * The RoutesConfigDump of a gateway listening on 8080 with the one virtual host
 * `bookinfo.example.com:80` (gateway.go: domains host and host:*); `vhost` and `config` add
 * what a test's dump carries besides.
 */
export function gatewayRoutesDump(
  routes: unknown[],
  vhost: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
  entry: Record<string, unknown> = {},
) {
  return {
    '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
    dynamic_route_configs: [
      {
        ...entry,
        route_config: {
          '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
          name: 'http.8080',
          virtual_hosts: [
            {
              name: 'bookinfo.example.com:80',
              domains: ['bookinfo.example.com', 'bookinfo.example.com:*'],
              routes,
              ...vhost,
            },
          ],
          ...config,
        },
      },
    ],
  };
}
