/**
 * yargs' usage errors reworded for a user: which verb's --help to read, the flag as it was
 * typed (`--replica`, not `replica` and `replica` again as camelCase), and an unknown verb
 * called one rather than only "Did you mean run?".
 */

/** `commands`: the yargs command strings, e.g. "run <scenario>". */
export function usageMessage(msg: string, args: readonly string[], commands: readonly string[]): string {
  const verbs = commands.map((c) => c.split(' ')[0]);
  const verb = verbs.includes(args[0] ?? '') ? args[0] : undefined;
  const help = `(see meshproof${verb ? ` ${verb}` : ''} --help)`;
  const suggestion = /^Did you mean (\S+)\?$/.exec(msg);
  if (suggestion && !verb && args[0] !== undefined)
    return `unknown verb ${JSON.stringify(args[0])}; did you mean ${suggestion[1]}? ${help}`;
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const names = unknown[1].split(', ');
    const typed = names
      .filter((n) => !names.some((other) => other !== n && camel(other) === n))
      .map((n) => (args.some((a) => a === `--${n}` || a.startsWith(`--${n}=`)) ? `--${n}` : n));
    if (!verb && names.length === 1 && args[0] === names[0]) return `unknown verb ${JSON.stringify(args[0])} ${help}`;
    return `unknown argument${typed.length > 1 ? 's' : ''}: ${typed.join(', ')} ${help}`;
  }
  const missing = /^Not enough non-option arguments: got \d+, need at least \d+$/.test(msg);
  if (missing && verb) return `missing an argument: meshproof ${commands[verbs.indexOf(verb)]} ${help}`;
  return `${msg} ${help}`;
}

function camel(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * A number flag given text (`--repeat abc`): yargs hands the verb NaN, and the verb's own check
 * would say "got NaN". Returns the flag as typed and what was typed, or undefined.
 */
export function notANumber(argv: Record<string, unknown>, args: readonly string[]): string | undefined {
  for (const [key, value] of Object.entries(argv)) {
    if (typeof value !== 'number' || /[A-Z]/.test(key)) continue;
    const at = args.findIndex((a) => a === `--${key}` || a.startsWith(`--${key}=`));
    const typed =
      at < 0 ? undefined : args[at].includes('=') ? args[at].slice(args[at].indexOf('=') + 1) : args[at + 1];
    // `--seed=` (or a blank value): yargs reads it as 0 and the verb would run with 0
    const blank = typed !== undefined && typed.trim() === '';
    if (!Number.isNaN(value) && !blank) continue;
    return `--${key}: expected a number, got ${typed === undefined || blank ? 'nothing' : JSON.stringify(typed)}`;
  }
  // `--vus` with no value: yargs leaves a number flag undefined, and the verb would take its default
  const bare = args.find(
    (a) => /^--[a-z0-9-]+$/.test(a) && Object.hasOwn(argv, a.slice(2)) && argv[a.slice(2)] === undefined,
  );
  if (bare) return `${bare}: expected a number, got nothing`;
  return undefined;
}
