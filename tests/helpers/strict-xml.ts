/**
 * A strict XML 1.0 well-formedness check for the JUnit files (no XML parser is installed and
 * none is added for tests): it throws where a conforming parser (Xerces in Jenkins' junit
 * plugin, Nokogiri/libxml2 in GitLab) reports a fatal error, and returns the element tree with
 * attribute values and text decoded and normalised as such a parser gives them to its caller.
 *
 * Checked (XML 1.0 fifth edition): every character is a `Char` (§2.2: no C0 control but tab,
 * newline, carriage return; no lone surrogate; no U+FFFE/U+FFFF), also when written as a
 * character reference (WFC: Legal Character); only the five predefined entities (WFC: Entity
 * Declared); no `<` in an attribute value (WFC: No < in Attribute Values); no `]]>` in text
 * (§2.4); unique attribute names (WFC: Unique Att Spec); matching end tags (WFC: Element Type
 * Match); one root element; an XML declaration only at the very start. Attribute values are
 * normalised as §3.3.3 says for CDATA attributes (a literal tab, newline or carriage return
 * becomes a space; a reference keeps its character); a literal carriage return in text becomes
 * a newline (§2.11). Not supported (the renderers never write them): DOCTYPE, CDATA sections,
 * comments, processing instructions other than the declaration.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const CHAR = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;
const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function fail(at: number, why: string): never {
  throw new Error(`not well-formed XML at offset ${at}: ${why}`);
}

/** Replaces references; `attr` applies attribute-value normalisation to the literal characters. */
function decode(raw: string, at: number, attr: boolean): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c === '&') {
      const end = raw.indexOf(';', i);
      if (end < 0) fail(at + i, 'an & that starts no reference');
      const ref = raw.slice(i + 1, end);
      let ch: string;
      if (/^#[0-9]+$/.test(ref)) ch = String.fromCodePoint(Number(ref.slice(1)));
      else if (/^#x[0-9A-Fa-f]+$/.test(ref)) ch = String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
      else if (ref in ENTITIES) ch = ENTITIES[ref];
      else fail(at + i, `undeclared entity &${ref};`);
      if (!CHAR.test(ch)) fail(at + i, `&${ref}; is not a legal XML character`);
      out += ch;
      i = end + 1;
    } else if (attr && (c === '\t' || c === '\n' || c === '\r')) {
      out += ' ';
      i += c === '\r' && raw[i + 1] === '\n' ? 2 : 1;
    } else if (!attr && c === '\r') {
      out += '\n';
      i += raw[i + 1] === '\n' ? 2 : 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function parseStrictXml(doc: string): XmlElement {
  if (!CHAR.test(doc)) {
    const bad = [...doc].findIndex((c) => !CHAR.test(c));
    fail(bad, `character U+${doc.codePointAt(bad)?.toString(16).padStart(4, '0')} is not allowed in XML 1.0`);
  }
  let i = 0;
  const decl = /^<\?xml version="1\.0"( encoding="UTF-8")?\?>/.exec(doc);
  if (decl) i = decl[0].length;
  if (doc.indexOf('<?xml', i) >= 0) fail(doc.indexOf('<?xml', i), 'an XML declaration not at the start');
  const skipSpace = () => {
    while (i < doc.length && /[ \t\r\n]/.test(doc[i])) i++;
  };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  skipSpace();
  while (i < doc.length) {
    if (doc[i] !== '<') {
      const end = doc.indexOf('<', i) < 0 ? doc.length : doc.indexOf('<', i);
      const raw = doc.slice(i, end);
      if (!stack.length) {
        if (raw.trim()) fail(i, 'text outside the root element');
      } else {
        if (raw.includes(']]>')) fail(i + raw.indexOf(']]>'), ']]> in text');
        stack[stack.length - 1].text += decode(raw, i, false);
      }
      i = end;
      continue;
    }
    if (doc.startsWith('</', i)) {
      const m = NAME.exec(doc.slice(i + 2));
      const open = stack.pop();
      if (!m || !open || m[0] !== open.name) fail(i, `end tag </${m?.[0]}> does not match <${open?.name}>`);
      i += 2 + m[0].length;
      skipSpace();
      if (doc[i] !== '>') fail(i, 'end tag not closed');
      i++;
      continue;
    }
    if (doc.startsWith('<!', i) || doc.startsWith('<?', i)) fail(i, 'markup this check does not support');
    const m = NAME.exec(doc.slice(i + 1));
    if (!m) fail(i, 'a < that starts no tag');
    if (!stack.length && root) fail(i, 'a second root element');
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    i += 1 + m[0].length;
    for (;;) {
      const before = i;
      skipSpace();
      if (doc.startsWith('/>', i) || doc[i] === '>') break;
      if (i === before) fail(i, 'attributes not separated by white space');
      const a = NAME.exec(doc.slice(i));
      if (!a) fail(i, 'an attribute name expected');
      i += a[0].length;
      skipSpace();
      if (doc[i] !== '=') fail(i, '= expected');
      i++;
      skipSpace();
      const q = doc[i];
      if (q !== '"' && q !== "'") fail(i, 'a quoted attribute value expected');
      const end = doc.indexOf(q, i + 1);
      if (end < 0) fail(i, 'attribute value not closed');
      const raw = doc.slice(i + 1, end);
      if (raw.includes('<')) fail(i + 1 + raw.indexOf('<'), '< in an attribute value');
      if (a[0] in el.attrs) fail(i, `attribute ${a[0]} given twice`);
      el.attrs[a[0]] = decode(raw, i + 1, true);
      i = end + 1;
    }
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    if (doc.startsWith('/>', i)) i += 2;
    else {
      i++;
      stack.push(el);
    }
  }
  if (stack.length) fail(i, `<${stack[stack.length - 1].name}> not closed`);
  if (!root) fail(0, 'no root element');
  return root;
}

/** Every element named `name` under `el`, depth first. */
export function elementsNamed(el: XmlElement, name: string): XmlElement[] {
  return [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => elementsNamed(c, name))];
}
