/*
 * Hand-written syntax colouring for diff lines. A diff shows fragments (a hunk can start inside a comment or a
 * template string), so a full grammar-based highlighter would be no more correct here, and would cost 30-300 kB of
 * bundle. This tokenizer works one line at a time: keywords, strings, comments, numbers, for the languages Jules
 * sessions touch most. Unknown languages get plain text.
 */

export type TokenKind = 'kw' | 'str' | 'com' | 'num' | 'key' | 'plain';
export interface Token {
  kind: TokenKind;
  text: string;
}

interface Lang {
  keywords: Set<string>;
  lineComment: string[];
  blockComment?: [string, string];
  strings: string[];
}

const words = (s: string) => new Set(s.split(' '));

const C_LIKE = ['//'];
const LANGS: Record<string, Lang> = {
  ts: {
    keywords: words('abstract as async await break case catch class const continue default delete do else enum export extends false finally for from function if implements import in instanceof interface let new null of private protected public readonly return static super switch this throw true try type typeof undefined var void while yield'),
    lineComment: C_LIKE,
    blockComment: ['/*', '*/'],
    strings: ["'", '"', '`'],
  },
  py: {
    keywords: words('and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return self True try while with yield'),
    lineComment: ['#'],
    strings: ["'", '"'],
  },
  go: {
    keywords: words('break case chan const continue default defer else fallthrough false for func go goto if import interface map nil package range return select struct switch true type var'),
    lineComment: C_LIKE,
    blockComment: ['/*', '*/'],
    strings: ['"', '`', "'"],
  },
  rs: {
    keywords: words('as async await break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while'),
    lineComment: C_LIKE,
    blockComment: ['/*', '*/'],
    strings: ['"'],
  },
  java: {
    keywords: words('abstract boolean break case catch class const continue default do double else enum extends final finally float for if implements import instanceof int interface long new null package private protected public return static super switch this throw throws true false try void while'),
    lineComment: C_LIKE,
    blockComment: ['/*', '*/'],
    strings: ['"', "'"],
  },
  sh: { keywords: words('if then else elif fi for in do done case esac while function return export local'), lineComment: ['#'], strings: ["'", '"'] },
  json: { keywords: words('true false null'), lineComment: [], strings: ['"'] },
  yaml: { keywords: words('true false null yes no'), lineComment: ['#'], strings: ["'", '"'] },
  css: { keywords: words('important'), lineComment: [], blockComment: ['/*', '*/'], strings: ["'", '"'] },
};
const EXT: Record<string, string> = {
  ts: 'ts', tsx: 'ts', js: 'ts', jsx: 'ts', mjs: 'ts', cjs: 'ts', mts: 'ts', py: 'py', go: 'go', rs: 'rs', java: 'java', kt: 'java',
  c: 'java', h: 'java', cpp: 'java', cs: 'java', sh: 'sh', bash: 'sh', json: 'json', yml: 'yaml', yaml: 'yaml', toml: 'yaml', css: 'css', scss: 'css',
};

/** The language key for a file path, or null when it is not one we colour. */
export function languageOf(path: string): string | null {
  const ext = path.toLowerCase().split('.').pop() ?? '';
  return EXT[ext] ?? null;
}

const IDENT = /[A-Za-z_$][\w$]*/y;
const NUMBER = /(?:0x[\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?)/y;

/** Splits one line of code into coloured tokens. Pure; concatenating the token texts gives the line back. */
export function tokenize(line: string, lang: string | null): Token[] {
  const spec = lang ? LANGS[lang] : undefined;
  if (!spec) return [{ kind: 'plain', text: line }];
  const out: Token[] = [];
  const push = (kind: TokenKind, text: string) => {
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.text += text;
    else out.push({ kind, text });
  };
  let i = 0;
  while (i < line.length) {
    const rest = line.slice(i);
    const lc = spec.lineComment.find((c) => rest.startsWith(c));
    if (lc) {
      push('com', rest);
      break;
    }
    if (spec.blockComment && rest.startsWith(spec.blockComment[0])) {
      const end = line.indexOf(spec.blockComment[1], i + spec.blockComment[0].length);
      const stop = end === -1 ? line.length : end + spec.blockComment[1].length;
      push('com', line.slice(i, stop));
      i = stop;
      continue;
    }
    const ch = line[i];
    if (spec.strings.includes(ch)) {
      let j = i + 1;
      while (j < line.length && line[j] !== ch) j += line[j] === '\\' ? 2 : 1;
      const stop = Math.min(line.length, j + 1);
      // A JSON/YAML string followed by ':' is a key, not a value: colour it differently.
      const isKey = (lang === 'json' || lang === 'yaml') && /^\s*:/.test(line.slice(stop));
      push(isKey ? 'key' : 'str', line.slice(i, stop));
      i = stop;
      continue;
    }
    IDENT.lastIndex = i;
    const id = IDENT.exec(line);
    if (id) {
      push(spec.keywords.has(id[0]) ? 'kw' : 'plain', id[0]);
      i += id[0].length;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(line);
    if (num && num[0]) {
      push('num', num[0]);
      i += num[0].length;
      continue;
    }
    push('plain', ch);
    i++;
  }
  return out;
}
