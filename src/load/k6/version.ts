/**
 * What `k6 version` prints, read back as the version meshproof records (PhaseResult.engine).
 *
 * Every k6 from v0.4x to v2.x starts its output with `k6 v<version> (` on the first line:
 * v1.x/v2.x print cobra's version template `{{with .Name}}{{printf "%s " .}}{{end}}{{printf
 * "v%s\n" .Version}}` (internal/cmd/root.go newRootCommand; `k6 version` re-runs the root with
 * `--version`, internal/cmd/version.go versionCmd.run) over version.go fullVersion():
 * `<version> (commit/<10 hex>[-dirty], go<x.y.z>, <os>/<arch>)`, or without the commit part.
 * A binary with extensions (xk6, auto extension resolution) adds `Extensions:` and one line per
 * extension after it (version.go versionString). The version is Go's module version
 * (versionDetails: buildInfo.Main.Version), so a binary built from a checkout with plain
 * `go build` says `k6 v(devel) (commit/…, go1.24.2, …)`: no semantic version at all, and the
 * first x.y.z on the line is Go's own.
 */

/** The version token of `k6 version`'s first line ("2.3.0", "1.0.0-rc1", "(devel)"), or "unknown". */
export function parseK6Version(stdout: string): string {
  const first = stdout.split('\n', 1)[0].trim();
  const m = /^k6 v(\S+)/.exec(first);
  return m ? m[1] : 'unknown';
}
