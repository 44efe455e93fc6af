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
