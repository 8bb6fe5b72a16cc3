/**
 * Command ids are written once, in src/shared/commandIds.ts; everything else names them as
 * `CommandId.x`, so a renamed command fails to compile where it is used instead of leaving a
 * dead link behind. This test reads every string in src/ and webview/src/ (TypeScript's own
 * parser, so comments do not count) and fails on a `kafkaAirflow.` string that is a command:
 * one package.json contributes or ids.ts lists, a view's `.focus` command, or any string given
 * as a `command:` or to executeCommand/registerCommand. Setting keys, view ids, context keys
 * and secret keys share the prefix and are not commands.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { CommandId, COMMAND_PREFIX, ViewFocusCommandId } from '../../src/shared/commandIds';
import { REPO_ROOT, sourceFiles } from '../support/sourceFiles';
const IDS_FILE = 'src/shared/commandIds.ts';

function contributedCommands(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
  return manifest.contributes.commands.map((c) => c.command);
}

/** Where `node` stands as a command: `command: '…'`, or an argument of executeCommand/registerCommand. */
function inCommandPlace(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isPropertyAssignment(parent) && parent.initializer === node) return parent.name.getText() === 'command';
  if (ts.isBinaryExpression(parent) && parent.right === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    return /\.command$/.test(parent.left.getText());
  }
  if (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) {
    return /(executeCommand|registerCommand)$/.test(parent.expression.getText());
  }
  return false;
}

/** The command id strings written in one file, as "file:line: text". */
function commandLiterals(file: string, text: string, knownIds: ReadonlySet<string>): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node)) {
      const value = node.text;
      if (value.startsWith(COMMAND_PREFIX) && (knownIds.has(value) || value.endsWith('.focus') || inCommandPlace(node))) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push(`${file}:${line + 1}: ${value}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('command ids', () => {
  const known = new Set([...contributedCommands(), ...Object.values(CommandId), ...Object.values(ViewFocusCommandId)]);

  it('finds a command id written as a string, and passes over settings, views, context keys and comments', () => {
    const sample = [
      "// kafkaAirflow.showLog in a comment is prose",
      "const a = 'kafkaAirflow.showLog';",
      "item.command = { title: 'x', command: 'kafkaAirflow.somethingNew' };",
      "void vscode.commands.executeCommand(`kafkaAirflow.another`, 1);",
      'statusItem.command = "kafkaAirflow.stack.focus";',
      "const b = config.get('kafkaAirflow.kafka.connections');",
      "const c = createView('kafkaAirflow.dags');",
      "setContext('kafkaAirflow.dagsFiltered', true);",
      "const d = CommandId.showLog;",
    ].join('\n');
    assert.deepEqual(commandLiterals('sample.ts', sample, known), [
      'sample.ts:2: kafkaAirflow.showLog',
      'sample.ts:3: kafkaAirflow.somethingNew',
      'sample.ts:4: kafkaAirflow.another',
      'sample.ts:5: kafkaAirflow.stack.focus',
    ]);
  });

  it(`are written only in ${IDS_FILE}`, () => {
    const files = [...sourceFiles('src'), ...sourceFiles('webview/src')].filter((f) => f.path !== IDS_FILE);
    assert.ok(files.length > 100, `read ${files.length} files`);
    const found = files.flatMap((f) => commandLiterals(f.path, f.text, known));
    assert.deepEqual(found, [], `name these as CommandId.x from ${IDS_FILE}`);
  });
});
