/**
 * `meshproof restore …` through its command module (parsed by yargs as main() does, errors
 * mapped as main() maps them), with stderr captured. Not main() itself: it imports every
 * verb, and the restore tests must not depend on the others.
 */
import yargs from 'yargs';
import restoreCommand from '../../src/cli/commands/restore.js';
import { MeshproofError } from '../../src/errors.js';

export async function restoreCli(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const [writeErr, writeOut] = [process.stderr.write.bind(process.stderr), process.stdout.write.bind(process.stdout)];
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  try {
    const argv = await restoreCommand.builder(yargs(args.slice(1)).exitProcess(false).strict()).parseAsync();
    const outcome = await restoreCommand.run(argv as never);
    return { code: outcome.exitCode, stderr, stdout };
  } catch (err) {
    if (!(err instanceof MeshproofError)) throw err;
    process.stderr.write(`meshproof: ${err.message}\n`);
    return { code: err.exitCode, stderr, stdout };
  } finally {
    process.stderr.write = writeErr;
    process.stdout.write = writeOut;
  }
}

/** `meshproof restore --kubeconfig K --journal-dir J …extra` against a test environment's kubeconfig and journal. */
export function restoreIn(
  env: { kubeconfig: string; journalDir: string },
  ...extra: string[]
): ReturnType<typeof restoreCli> {
  return restoreCli('restore', '--kubeconfig', env.kubeconfig, '--journal-dir', env.journalDir, ...extra);
}
