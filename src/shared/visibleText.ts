/**
 * Shows characters that change how text reads without being seen: bidirectional controls
 * (U+202E makes "gpj.exe" of "exe.jpg"), zero-width and other invisible format characters,
 * blank fillers, and control characters. Each one is shown as an escape such as `\u202E`
 * (`\u{E0041}` above U+FFFF), so what a user reads in a tree, the inspector or the trace is
 * what the message or name holds; a note counts them. Used by the trees (labels and
 * tooltips are plain text there, so the escape text and a note in the tooltip) and by the
 * webviews (which style each escape with visibleParts). The data itself is never changed:
 * copy, export and search work on the characters as they are. Pure: no vscode, no DOM.
 *
 * The set follows what VS Code's editor marks (editor.unicodeHighlight.invisibleCharacters
 * and its bidi checks), narrowed to characters that are blank or reorder text: spaces that
 * look like spaces (U+00A0, U+2000–U+200A) and variation selectors stay as they are. A zero
 * width joiner or non-joiner between two non-ASCII characters (emoji sequences, Indic and
 * Persian words need them) and the tag characters of a flag (U+1F3F4 and tags) stay too.
 */

/** Bidirectional controls: they reorder what follows them. */
const BIDI_CLASS = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';
/** Control characters other than tab, line feed and carriage return: C0, DEL and C1. */
const CONTROL_CLASS = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F';
/** Characters with no glyph: zero-width and other format characters, blank fillers... */
const INVISIBLE_BMP_CLASS = '\\u00AD\\u034F\\u115F\\u1160\\u17B4\\u17B5\\u180E\\u200B-\\u200D\\u2060-\\u2064\\u206A-\\u206F\\u3164\\uFEFF\\uFFA0\\uFFF9-\\uFFFB';
/** ...and above U+FFFF: musical format characters and tags (their lead surrogates are U+D834 and U+DB40). */
const INVISIBLE_ASTRAL_CLASS = '\\u{1D173}-\\u{1D17A}\\u{E0000}-\\u{E007F}';
const INVISIBLE_CLASS = `${INVISIBLE_BMP_CLASS}${INVISIBLE_ASTRAL_CLASS}`;

// The classes list single code points on purpose (U+034F and U+200D combine with others in
// text, and are exactly what is looked for here), so the lint rule against combined
// characters in a class does not apply to these patterns.
const CLASS = `[${BIDI_CLASS}${CONTROL_CLASS}${INVISIBLE_CLASS}]`;
/**
 * The fast path: one test, no allocation, for the text that holds none (nearly all). Without
 * the `u` flag it runs about twice as fast; it tests the BMP characters and, for the ones
 * above U+FFFF, their lead surrogates (U+D834, U+DB40): a superset, which the exact pass after
 * it narrows.
 */
// eslint-disable-next-line no-misleading-character-class -- see above
const ANY_HIDDEN = new RegExp(`[${BIDI_CLASS}${CONTROL_CLASS}${INVISIBLE_BMP_CLASS}\\uD834\\uDB40]`);
// eslint-disable-next-line no-misleading-character-class -- see above
const ALL_HIDDEN = new RegExp(CLASS, 'gu');
const IS_BIDI = new RegExp(`^[${BIDI_CLASS}]$`, 'u');
const IS_CONTROL = new RegExp(`^[${CONTROL_CLASS}]$`, 'u');
// eslint-disable-next-line no-misleading-character-class -- see above
const IS_HIDDEN = new RegExp(`^${CLASS}$`, 'u');
const IS_SPACE = /^\s$/u;

const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const TAG_FIRST = 0xe0000;
const TAG_LAST = 0xe007f;
const BLACK_FLAG = 0x1f3f4;

export type HiddenCharacterKind = 'bidi' | 'invisible' | 'control';

/** One hidden character as shown: its escape and what it is (for a tooltip). */
export interface HiddenCharacter {
  /** `\u202E`, or `\u{E0041}` above U+FFFF. */
  escape: string;
  codePoint: number;
  kind: HiddenCharacterKind;
  /** "U+202E RIGHT-TO-LEFT OVERRIDE: a bidirectional control, it reorders the text after it". */
  title: string;
}

/** Text with its hidden characters shown as escapes, and how many there were. */
export interface VisibleText {
  text: string;
  count: number;
}

/** Plain text, or one hidden character shown as its escape. */
export type VisiblePart = string | HiddenCharacter;

const NAMES: Readonly<Record<number, string>> = {
  0x0000: 'NULL',
  0x007f: 'DELETE',
  0x00ad: 'SOFT HYPHEN',
  0x034f: 'COMBINING GRAPHEME JOINER',
  0x061c: 'ARABIC LETTER MARK',
  0x115f: 'HANGUL CHOSEONG FILLER',
  0x1160: 'HANGUL JUNGSEONG FILLER',
  0x180e: 'MONGOLIAN VOWEL SEPARATOR',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2060: 'WORD JOINER',
  0x2061: 'FUNCTION APPLICATION',
  0x2062: 'INVISIBLE TIMES',
  0x2063: 'INVISIBLE SEPARATOR',
  0x2064: 'INVISIBLE PLUS',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0x3164: 'HANGUL FILLER',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (byte order mark)',
  0xffa0: 'HALFWIDTH HANGUL FILLER',
};

/** `\u202E` for a character of the Basic Multilingual Plane, `\u{E0041}` above it. */
export function escapeOf(codePoint: number): string {
  const hex = codePoint.toString(16).toUpperCase();
  return codePoint > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
}

function kindOf(char: string): HiddenCharacterKind {
  if (IS_BIDI.test(char)) return 'bidi';
  return IS_CONTROL.test(char) ? 'control' : 'invisible';
}

/** What a hidden character is, for the tooltip of its escape. */
export function describeHiddenCharacter(codePoint: number): { kind: HiddenCharacterKind; title: string } {
  const kind = kindOf(String.fromCodePoint(codePoint));
  const code = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[codePoint];
  const what = kind === 'bidi'
    ? 'a bidirectional control, it reorders the text after it'
    : kind === 'control'
      ? 'a control character'
      : codePoint >= TAG_FIRST && codePoint <= TAG_LAST ? 'a tag character, invisible' : 'an invisible character';
  return { kind, title: `${code}${name ? ` ${name}` : ''}: ${what}` };
}

/** Whether a code point is one that is shown as an escape where it stands alone. */
export function isShownAsEscape(codePoint: number): boolean {
  return codePoint >= 0 && codePoint <= 0x10ffff && IS_HIDDEN.test(String.fromCodePoint(codePoint));
}

/** A visible character outside ASCII: what a joiner may stand between. */
function isJoinable(codePoint: number | undefined): boolean {
  if (codePoint === undefined || codePoint <= 0x7f || isShownAsEscape(codePoint)) return false;
  return !IS_SPACE.test(String.fromCodePoint(codePoint));
}

/** The code point that ends just before `index` (a surrogate pair counts as one). */
function codePointBefore(text: string, index: number): number | undefined {
  if (index <= 0) return undefined;
  const low = text.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) {
    const high = text.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.codePointAt(index - 2);
  }
  return low;
}

/**
 * Whether the hidden character at `index` belongs where it is and reads as intended: a
 * joiner inside an emoji sequence or a word of a script that needs it, or the tags of a
 * flag (U+1F3F4 followed by tag characters).
 */
function isLegitimate(text: string, index: number, codePoint: number, length: number): boolean {
  if (codePoint === ZWJ || codePoint === ZWNJ) {
    return isJoinable(codePointBefore(text, index)) && isJoinable(text.codePointAt(index + length));
  }
  if (codePoint >= TAG_FIRST && codePoint <= TAG_LAST) {
    let at = index;
    for (;;) {
      const before = codePointBefore(text, at);
      if (before === BLACK_FLAG) return true;
      if (before === undefined || before < TAG_FIRST || before > TAG_LAST) return false;
      at -= 2;
    }
  }
  return false;
}

/** Whether `text` holds a character that visibleText would show as an escape (fast: one regex test). */
export function hasHiddenCharacters(text: string): boolean {
  return ANY_HIDDEN.test(text) && countHiddenCharacters(text) > 0;
}

/**
 * Calls `onText` with each run of plain text and `onHidden` with each hidden character, in
 * order. The one place that decides; the functions below only collect.
 */
function scan(text: string, onText: (plain: string) => void, onHidden: (codePoint: number) => void): void {
  ALL_HIDDEN.lastIndex = 0;
  let from = 0;
  for (let match = ALL_HIDDEN.exec(text); match; match = ALL_HIDDEN.exec(text)) {
    const char = match[0];
    const codePoint = char.codePointAt(0) ?? 0;
    if (isLegitimate(text, match.index, codePoint, char.length)) continue;
    if (match.index > from) onText(text.slice(from, match.index));
    onHidden(codePoint);
    from = match.index + char.length;
  }
  if (from < text.length) onText(from === 0 ? text : text.slice(from));
}

/** The text with each hidden character replaced by its escape, and how many were replaced. */
export function visibleText(text: string): VisibleText {
  if (!ANY_HIDDEN.test(text)) return { text, count: 0 };
  let out = '';
  let count = 0;
  scan(text, (plain) => { out += plain; }, (codePoint) => {
    out += escapeOf(codePoint);
    count++;
  });
  return { text: out, count };
}

/** How many characters visibleText would show as escapes. */
export function countHiddenCharacters(text: string): number {
  if (!ANY_HIDDEN.test(text)) return 0;
  let count = 0;
  scan(text, () => undefined, () => { count++; });
  return count;
}

/**
 * The text as parts for a webview to render: plain runs as text, each hidden character as
 * its escape with a title (a styled span). After `maxStyled` escapes the rest comes as
 * escaped plain text, so a value of 100,000 zero-width spaces costs no 100,000 elements.
 */
export function visibleParts(text: string, maxStyled = Number.POSITIVE_INFINITY): { parts: VisiblePart[]; count: number } {
  if (!ANY_HIDDEN.test(text)) return { parts: text === '' ? [] : [text], count: 0 };
  const parts: VisiblePart[] = [];
  let count = 0;
  let tail = '';
  scan(text, (plain) => {
    if (count >= maxStyled) tail += plain;
    else parts.push(plain);
  }, (codePoint) => {
    count++;
    if (count > maxStyled) {
      tail += escapeOf(codePoint);
      return;
    }
    const { kind, title } = describeHiddenCharacter(codePoint);
    parts.push({ escape: escapeOf(codePoint), codePoint, kind, title });
  });
  if (tail !== '') parts.push(tail);
  return { parts, count };
}

/** "2 invisible or bidirectional characters shown as \uXXXX escapes"; '' for none. */
export function hiddenCharactersNote(count: number): string {
  if (count <= 0) return '';
  const many = count === 1 ? 'character' : 'characters';
  return `${count.toLocaleString('en-US')} invisible or bidirectional ${many} shown as \\uXXXX ${count === 1 ? 'escape' : 'escapes'}`;
}

/** A tree row's label: the escape text (a tree label cannot be styled). */
export function visibleLabel(text: string): string {
  return visibleText(text).text;
}

/**
 * A plain-text tooltip with its hidden characters shown as escapes and, when there were any,
 * the note as its last line, so the user knows the `\u…` in the row is not typed text.
 */
export function visibleTooltip(text: string): string {
  const shown = visibleText(text);
  return shown.count === 0 ? text : `${shown.text}\n\n${hiddenCharactersNote(shown.count)}.`;
}

/**
 * JSON text (JSON.stringify output) with each hidden character inside its strings written as
 * a JSON escape (`\u202e`; a pair of them above U+FFFF). The document still parses to the
 * same data, and reads as it is. JSON.stringify already escapes C0 controls.
 */
export function visibleJson(json: string): string {
  if (!ANY_HIDDEN.test(json)) return json;
  let out = '';
  scan(json, (plain) => { out += plain; }, (codePoint) => {
    const char = String.fromCodePoint(codePoint);
    for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  });
  return out;
}

/**
 * One line of text for a preview: runs of whitespace (line breaks included) become one space
 * and the ends are trimmed, but invisible characters that JavaScript counts as whitespace
 * (U+FEFF) stay, to be shown as escapes.
 */
export function oneLine(text: string): string {
  return text.replace(/[^\S\uFEFF]+/gu, ' ').replace(/^ | $/g, '');
}
