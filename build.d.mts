// Types of what build.mjs exports (bench/lib/bundle.ts imports its settings).
import type { BuildOptions } from 'esbuild';

export declare const NODE_BUNDLE: BuildOptions;
export declare const WORKER_BUNDLES: { source: string; bundle: string }[];
