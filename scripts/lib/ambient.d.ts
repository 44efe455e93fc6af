/**
 * src/load/model.ts (whose LoadProfile and RequestPlan the script uses) also declares the
 * Node-side RunOptions, which mention AbortSignal; k6's runtime and the ES2017 lib have none.
 * This minimal shape lets the shared contract type-check here without pulling in DOM or Node.
 */
interface AbortSignal {
  readonly aborted: boolean;
}
