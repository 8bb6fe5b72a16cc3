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

/** Renders the page of the panel whose bundle is dist/webview/<entry>.js. */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, entry: string, title: string): string {
  const nonce = newNonce();
  const asset = (file: string): string =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file)).toString();
  const escapedTitle = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${cspFor(webview, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('codicon.css')}" id="vscode-codicon-stylesheet">
<title>${escapedTitle}</title>
</head>
<body>
<div id="root"></div>
<script type="module" nonce="${nonce}" src="${asset(`${entry}.js`)}"></script>
</body>
</html>`;
}
