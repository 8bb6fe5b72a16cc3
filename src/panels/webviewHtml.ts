/**
 * The HTML shell of every panel: a strict Content Security Policy (default-src 'none', a
 * fresh nonce per render for the one script, styles and fonts only from the extension's
 * own dist/webview folder), the codicon stylesheet and the panel's bundle.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function cspFor(webview: vscode.Webview, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page both kinds share: the CSP with a fresh nonce, the title, then `head` and `body`. */
function page(webview: vscode.Webview, title: string, parts: (nonce: string) => { head: string; body: string }): string {
  const nonce = newNonce();
  const { head, body } = parts(nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${cspFor(webview, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${head}<title>${escapeHtml(title)}</title>
</head>
<body>
${body}
</body>
</html>`;
}

/** Renders the page of the panel whose bundle is dist/webview/<entry>.js. */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, entry: string, title: string): string {
  const asset = (file: string): string =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file)).toString();
  return page(webview, title, (nonce) => ({
    head: `<link rel="stylesheet" href="${asset('codicon.css')}" id="vscode-codicon-stylesheet">\n`,
    body: `<div id="root"></div>
<script type="module" nonce="${nonce}" src="${asset(`${entry}.js`)}"></script>`,
  }));
}

/**
 * A page without script that only says something: shown in place of a panel that cannot be
 * reopened after a window reload (its connection was removed), so the tab is not left blank.
 */
export function notePageHtml(webview: vscode.Webview, title: string, heading: string, lines: readonly string[]): string {
  return page(webview, title, (nonce) => ({
    head: `<style nonce="${nonce}">
body { color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 16px 20px; }
h1 { font-size: 1.3em; font-weight: 600; margin: 0 0 10px; }
p { margin: 6px 0; max-width: 70ch; }
</style>
`,
    body: `<main id="restore-note" role="alert">
<h1>${escapeHtml(heading)}</h1>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
</main>`,
  }));
}
