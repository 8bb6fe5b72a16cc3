/**
 * Renders text whose hidden characters (bidirectional controls, zero-width and control
 * characters; src/shared/visibleText.ts decides which) are shown as escapes such as
 * `\u202E`, each in a span of its own style with a title that names the character. Built
 * with text nodes and createElement only, never innerHTML. Text without such characters
 * takes the fast path: one regex test (in visibleParts) and textContent.
 */
import { visibleParts, type VisiblePart } from '../../../src/shared/visibleText';

/** The escapes' style: like the editor's Unicode highlight, a border in its color. */
export const VISIBLE_TEXT_CSS = `
.hidden-char { font-family: var(--vscode-editor-font-family); font-style: normal; border-radius: 3px; padding: 0 1px;
  color: var(--vscode-editorWarning-foreground, var(--vscode-foreground));
  border: 1px solid var(--vscode-editorUnicodeHighlight-border, var(--vscode-editorWarning-foreground, currentColor));
  background: var(--vscode-editorUnicodeHighlight-background, transparent); }
.hidden-char.bidi { color: var(--vscode-errorForeground, var(--vscode-foreground)); }
.hidden-note { color: var(--vscode-editorWarning-foreground, var(--vscode-descriptionForeground)); font-size: 0.92em; }
`;

/** The DOM of parts: strings as text nodes, escapes as spans with a class and a title. */
export function partNodes(parts: readonly VisiblePart[]): (Node | string)[] {
  return parts.map((part) => {
    if (typeof part === 'string') return part;
    const span = document.createElement('span');
    span.className = `hidden-char ${part.kind}`;
    span.title = `${part.title}. Shown as an escape; the text holds the character itself.`;
    span.textContent = part.escape;
    return span;
  });
}

/** Puts parts into `element`, replacing what it held. */
export function setParts(element: Element, parts: readonly VisiblePart[]): void {
  if (parts.length === 1 && typeof parts[0] === 'string') {
    if (element.childElementCount > 0 || element.textContent !== parts[0]) element.textContent = parts[0];
    return;
  }
  element.replaceChildren(...partNodes(parts));
}

/** Puts `text` into `element` with its hidden characters as styled escapes; returns how many. */
export function setVisibleText(element: Element, text: string, maxStyled?: number): number {
  const { parts, count } = visibleParts(text, maxStyled);
  setParts(element, parts);
  return count;
}

/** The nodes of `text` with its hidden characters as styled escapes, for el(...) children. */
export function visibleNodes(text: string): (Node | string)[] {
  return partNodes(visibleParts(text).parts);
}
