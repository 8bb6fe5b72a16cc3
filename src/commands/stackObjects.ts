/**
 * The commands of the Stack view's object store and mail catcher rows: preview a CSV or Parquet
 * object (its first 100 rows in a table), and open a caught mail as a read-only text document
 * (`kafkaAirflow-mail:`, read from the mail catcher when it opens).
 */
import * as vscode from 'vscode';
import type { StackServices } from '../config/stackServices';
import type * as Clients from '../objectstore/clients';
import { objectPreviewPanel } from '../panels/lazy';
import { CommandId } from '../shared/commandIds';
import { userMessage, WorkbenchError } from '../shared/errors';
import type { StackChild } from '../views/stackTree';
import { registerCommand } from './index';

export const MAIL_SCHEME = 'kafkaAirflow-mail';

export interface StackObjectCommandDeps {
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  services: StackServices;
}

function childOf<K extends StackChild['kind']>(arg: unknown, kind: K): Extract<StackChild, { kind: K }> | undefined {
  return typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === kind ? (arg as Extract<StackChild, { kind: K }>) : undefined;
}

export function registerStackObjectCommands(deps: StackObjectCommandDeps): { dispose(): unknown }[] {
  const { log, services } = deps;
  const mailDocuments: vscode.TextDocumentContentProvider = {
    provideTextDocumentContent: async (uri) => {
      const id = uri.query;
      try {
        const mail = await services.mail();
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see esbuild.js lazyChunks
        const { mailDocumentText } = require('../objectstore/clients') as typeof Clients;
        return mailDocumentText(await mail.message(id));
      } catch (error) {
        return `Could not read message ${id}: ${userMessage(error)}\nOpen it again from the Stack view to retry.\n`;
      }
    },
  };
  return [
    vscode.workspace.registerTextDocumentContentProvider(MAIL_SCHEME, mailDocuments),
    registerCommand(log, CommandId.previewObject, async (arg) => {
      const node = childOf(arg, 'object');
      if (!node) throw new WorkbenchError(vscode.l10n.t('Run this on a CSV or Parquet object under the object store in the Stack view.'));
      const store = await services.objectStore();
      objectPreviewPanel().show({ log, extensionUri: deps.extensionUri }, store, node.object.key);
    }),
    registerCommand(log, CommandId.openMailMessage, async (arg) => {
      const node = childOf(arg, 'mail');
      if (!node) throw new WorkbenchError(vscode.l10n.t('Run this on a message under the mail catcher in the Stack view.'));
      // eslint-disable-next-line no-control-regex -- control characters cannot be in a file name
      const name = (node.message.subject || 'message').replace(/[/\\\u0000-\u001f]/g, '_').slice(0, 80);
      const uri = vscode.Uri.from({ scheme: MAIL_SCHEME, path: `/${name}.txt`, query: node.message.id });
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { preview: true });
    }),
  ];
}
