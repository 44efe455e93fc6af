/**
 * The yaml package's parse errors as messages that say what to do, shared by policy files and
 * scenario files: one wording for a duplicate key (naming the key), tabs, a missing ":".
 */
import type { YAMLError } from 'yaml';
import { cutEcho } from '../util/text.js';

/** Messages that say what to do, keyed by the yaml package's error codes. */
const HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'tabs are not allowed as indentation; indent YAML with spaces',
  BLOCK_AS_IMPLICIT_KEY: 'a mapping cannot start on the same line as its key (is a ":" or a quote missing?)',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line (is a ":" or a quote missing?)',
};

/** One error of `text` as a sentence, e.g. `duplicate key "name": each key may appear only once in a mapping`. */
export function yamlErrorMessage(text: string, e: YAMLError): string {
  if (e.code === 'DUPLICATE_KEY')
    return `duplicate key ${JSON.stringify(cutEcho(keyAt(text, e.pos[0])))}: each key may appear only once in a mapping`;
  return HINTS[e.code] ?? e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** The key text starting at `offset` (for duplicate-key messages). */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 200);
  const m = /^["']?([^"':\n]*)/.exec(rest);
  return (m?.[1] ?? '').trim();
}
