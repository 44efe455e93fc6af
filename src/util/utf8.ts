/**
 * Reading files as UTF-8, which YAML 1.2 and kubectl require (go-yaml refuses other encodings:
 * "invalid leading UTF-8 octet"). Kept apart from text.ts, which the k6 script bundles too.
 */
import { TextDecoder } from 'node:util';

/**
 * Decodes a file's bytes as UTF-8, which YAML 1.2 and kubectl require (go-yaml refuses other
 * encodings: "invalid leading UTF-8 octet"). Instead of U+FFFD replacement characters the
 * caller gets where the first bad byte is, to say "not UTF-8" at file:line:col.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { badByte: number; line: number; column: number } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
    const lines = before.split('\n');
    return { badByte: bytes[at], line: lines.length, column: lines[lines.length - 1].length + 1 };
  }
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const strict = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0) return i;
    if (n > 1) {
      try {
        strict.decode(bytes.subarray(i, i + n)); // also refuses overlong forms and surrogates
      } catch {
        return i;
      }
    }
    i += n;
  }
  return bytes.length;
}

/** The shared wording for a file that is not UTF-8; the caller puts `file:line:col:` in front. */
export function notUtf8Message(bad: { badByte: number }): string {
  const hex = bad.badByte === undefined ? 'end of file' : `byte 0x${bad.badByte.toString(16).padStart(2, '0')}`;
  return `not UTF-8 text: ${hex} here is not valid UTF-8 (Latin-1 or another encoding, or a binary file?); save the file as UTF-8`;
}
