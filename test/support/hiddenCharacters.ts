/**
 * The invisible and bidirectional characters the visible-text tests write into keys, values and
 * names, built from code points so that no test file holds an invisible character itself; and
 * how a cell or detail pane the inspector shows reads to the user.
 */
import type { ShownText } from '../../src/shared/inspectorDisplay';

/** U+202E RIGHT-TO-LEFT OVERRIDE. */
export const RLO = String.fromCodePoint(0x202e);
/** U+2066 LEFT-TO-RIGHT ISOLATE. */
export const LRI = String.fromCodePoint(0x2066);
/** U+2069 POP DIRECTIONAL ISOLATE. */
export const PDI = String.fromCodePoint(0x2069);
/** U+200B ZERO WIDTH SPACE. */
export const ZWSP = String.fromCodePoint(0x200b);
/** U+200D ZERO WIDTH JOINER. */
export const ZWJ = String.fromCodePoint(0x200d);
/** U+200C ZERO WIDTH NON-JOINER. */
export const ZWNJ = String.fromCodePoint(0x200c);
/** U+FEFF ZERO WIDTH NO-BREAK SPACE (byte order mark). */
export const BOM = String.fromCodePoint(0xfeff);
/** U+0000 NULL. */
export const NUL = String.fromCodePoint(0);

/** What a cell or the detail pane reads as: plain text with each escape as the user sees it. */
export function reads(shown: ShownText): string {
  return shown.parts.map((part) => (typeof part === 'string' ? part : part.escape)).join('');
}
