/**
 * A small syntax highlighter of our own for the diff: keywords, strings, comments and numbers by file extension.
 * It only splits text into runs and builds DOM nodes from them (text nodes inside <span class="tok-…">), so no
 * text from a file ever becomes markup. It works one line at a time, carrying an open block comment or
 * multi-line string over to the next line in `state`.
 */

const words = text => new Set(text.split(/\s+/).filter(Boolean));

const C_LIKE = { line: ['//'], block: [['/*', '*/']], quotes: ['"', "'"] };
const LANGUAGES = {
  csharp: { ...C_LIKE, quotes: ['"', "'"], keywords: words(`abstract as async await base bool break byte case catch char checked class const
    continue decimal default delegate do double else enum event explicit extern false finally fixed float for foreach get goto if implicit
    in init int interface internal is lock long namespace new null object operator out override params private protected public readonly
    record ref required return sbyte sealed set short sizeof stackalloc static string struct switch this throw true try typeof uint ulong
    unchecked unsafe ushort using var virtual void volatile when where while with yield`) },
  javascript: { ...C_LIKE, quotes: ['"', "'", '`'], keywords: words(`as async await break case catch class const continue debugger default delete
    do else enum export extends false finally for from function if implements import in instanceof interface let new null of package
    private protected public readonly return static super switch this throw true try type typeof undefined var void while with yield`) },
  python: { line: ['#'], block: [['"""', '"""'], ["'''", "'''"]], quotes: ['"', "'"], keywords: words(`and as assert async await break class
    continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return
    self True try while with yield`) },
  go: { ...C_LIKE, quotes: ['"', "'", '`'], keywords: words(`break case chan const continue default defer else fallthrough false for func go
    goto if import interface iota map nil package range return select struct switch true type var`) },
  rust: { ...C_LIKE, keywords: words(`as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod
    move mut pub ref return self Self static struct super trait true type unsafe use where while`) },
  java: { ...C_LIKE, keywords: words(`abstract assert boolean break byte case catch char class const continue default do double else enum
    extends false final finally float for goto if implements import instanceof int interface long native new null package private
    protected public record return short static super switch synchronized this throw throws transient true try var void volatile while`) },
  shell: { line: ['#'], block: [], quotes: ['"', "'"], keywords: words(`case do done elif else esac exit export fi for function if in local
    readonly return set shift then until unset while`) },
  json: { line: [], block: [], quotes: ['"'], keywords: words('true false null') },
  yaml: { line: ['#'], block: [], quotes: ['"', "'"], keywords: words('true false null yes no on off'), keys: true },
  css: { line: [], block: [['/*', '*/']], quotes: ['"', "'"], keywords: words('important inherit initial none auto') },
  html: { line: [], block: [['<!--', '-->']], quotes: ['"', "'"], keywords: new Set(), tags: true },
  markdown: { line: [], block: [], quotes: ['`'], keywords: new Set(), headings: true },
};
LANGUAGES.typescript = LANGUAGES.javascript;

const EXTENSIONS = {
  cs: 'csharp', csx: 'csharp', js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript', ts: 'typescript',
  tsx: 'typescript', py: 'python', go: 'go', rs: 'rust', java: 'java', kt: 'java', sh: 'shell', bash: 'shell', zsh: 'shell',
  json: 'json', yaml: 'yaml', yml: 'yaml', md: 'markdown', markdown: 'markdown', css: 'css', scss: 'css', html: 'html',
  htm: 'html', xml: 'html', svg: 'html', csproj: 'html', props: 'html', targets: 'html',
};

/** The language of a file by its extension (or a name such as Dockerfile); null when there is none we know. */
export function languageOf(path) {
  const name = String(path ?? '').split('/').pop().toLowerCase();
  if (name === 'dockerfile' || name === 'makefile') return 'shell';
  const dot = name.lastIndexOf('.');
  return dot < 0 ? null : EXTENSIONS[name.slice(dot + 1)] ?? null;
}

const IDENTIFIER = /[A-Za-z_$][\w$]*/y;
const NUMBER = /(?:0[xX][\da-fA-F_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)[a-zA-Z]*/y;

/**
 * Splits one line into runs [kind, text], kind one of '', 'kw', 'str', 'com', 'num', 'key', 'tag'. `state` is
 * what the previous line left open ({ block: end marker } or { quote }), and the state after this line is returned.
 */
export function tokenize(line, language, state = {}) {
  const spec = LANGUAGES[language];
  if (!spec) return { runs: [['', line]], state: {} };
  const runs = [];
  const push = (kind, text) => {
    if (!text) return;
    const last = runs[runs.length - 1];
    if (last && last[0] === kind) last[1] += text; else runs.push([kind, text]);
  };
  let i = 0;
  let open = state.block ?? null;
  if (spec.headings && /^#{1,6}\s/.test(line)) return { runs: [['kw', line]], state: {} };
  if (spec.keys) {
    const key = /^(\s*-?\s*)([\w.\-/]+)(\s*:)(?=\s|$)/.exec(line);
    if (key && !open) { push('', key[1]); push('key', key[2]); push('', key[3]); i = key[0].length; }
  }
  while (i < line.length) {
    if (open) {
      const end = line.indexOf(open.end, i);
      const kind = open.kind;
      if (end < 0) { push(kind, line.slice(i)); return { runs, state: { block: open } }; }
      push(kind, line.slice(i, end + open.end.length));
      i = end + open.end.length;
      open = null;
      continue;
    }
    const rest = line.slice(i);
    const block = spec.block.find(([start]) => rest.startsWith(start));
    if (block) {
      open = { end: block[1], kind: block[0].startsWith('"') || block[0].startsWith("'") ? 'str' : 'com' };
      push(open.kind, block[0]);
      i += block[0].length;
      continue;
    }
    if (spec.line.some(start => rest.startsWith(start) && (start !== '#' || i === 0 || /[\s;(]/.test(line[i - 1])))) {
      push('com', rest);
      break;
    }
    const c = line[i];
    if (spec.quotes.includes(c)) {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += line[j] === '\\' ? 2 : 1;
      // A JSON key is a string followed by a colon.
      const end = Math.min(j + 1, line.length);
      const kind = language === 'json' && /^\s*:/.test(line.slice(end)) ? 'key' : 'str';
      push(kind, line.slice(i, end));
      i = end;
      continue;
    }
    if (spec.tags && c === '<') {
      const tag = /^<\/?[A-Za-z][\w:.-]*/.exec(rest);
      if (tag) { push('tag', tag[0]); i += tag[0].length; continue; }
    }
    if (/\d/.test(c) && (i === 0 || !/[\w$]/.test(line[i - 1]))) {
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(line);
      if (number) { push('num', number[0]); i += number[0].length; continue; }
    }
    if (/[A-Za-z_$]/.test(c)) {
      IDENTIFIER.lastIndex = i;
      const word = IDENTIFIER.exec(line)[0];
      push(spec.keywords.has(word) ? 'kw' : '', word);
      i += word.length;
      continue;
    }
    push('', c);
    i++;
  }
  return { runs, state: open ? { block: open } : {} };
}

/** DOM nodes for runs: text nodes, and spans whose class names the kind; never parsed as HTML. */
export function nodesOf(runs) {
  return runs.map(([kind, text]) => {
    if (!kind) return document.createTextNode(text);
    const span = document.createElement('span');
    span.className = `tok-${kind}`;
    span.textContent = text;
    return span;
  });
}

/** Highlights a whole text (a file preview): a fragment of nodes, the line breaks kept. */
export function highlightText(text, language) {
  const fragment = document.createDocumentFragment();
  let state = {};
  for (const line of String(text).split('\n')) {
    const result = tokenize(line, language, state);
    state = result.state;
    fragment.append(...nodesOf(result.runs), '\n');
  }
  return fragment;
}

/**
 * Splits a unified git diff into files: { path, oldPath, header: [lines], lines: [lines] }, where `lines` are the
 * hunk headers and the hunks' lines.
 */
export function splitDiff(text) {
  const files = [];
  let file = null;
  for (const line of String(text).split('\n')) {
    if (line.startsWith('diff --git ')) {
      const names = /^diff --git (?:"?a\/(.*?)"?) (?:"?b\/(.*?)"?)$/.exec(line);
      file = { path: names?.[2] ?? line.slice(11), oldPath: names?.[1] ?? null, header: [line], lines: [] };
      files.push(file);
    } else if (!file) {
      if (line) { file = { path: '', oldPath: null, header: [], lines: [] }; files.push(file); file.lines.push(line); }
    } else if (!file.lines.length && !line.startsWith('@@')) {
      if (line.startsWith('+++ ') && line !== '+++ /dev/null') file.path = line.slice(4).replace(/^"?b\//, '').replace(/"$/, '');
      file.header.push(line);
    } else if (line || file.lines.length) {
      file.lines.push(line);
    }
  }
  for (const f of files) while (f.lines.length && f.lines[f.lines.length - 1] === '') f.lines.pop();
  return files;
}

/** One diff line as a block: its +/−/space marker, then the code highlighted for `language`. */
export function diffLine(line, language, state) {
  const span = document.createElement('span');
  if (line.startsWith('@@')) {
    span.className = 'line hunk';
    span.textContent = `${line}\n`;
    return { node: span, state: {} };
  }
  const marker = line[0] ?? ' ';
  span.className = `line ${marker === '+' ? 'add' : marker === '-' ? 'del' : marker === '\\' ? 'meta' : ''}`.trim();
  const mark = document.createElement('span');
  mark.className = 'marker';
  mark.textContent = marker;
  if (marker === '\\') {
    span.append(mark, line.slice(1), '\n');
    return { node: span, state };
  }
  const result = tokenize(line.slice(1), language, state);
  span.append(mark, ...nodesOf(result.runs), '\n');
  return { node: span, state: result.state };
}
