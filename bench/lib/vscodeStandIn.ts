/**
 * A STAND-IN for the `vscode` module, for measuring activation outside the editor
 * (bench/bundle-weight.ts). It is not VS Code: it has just enough of the API for
 * `activate()` to run its wiring (events, disposables, URIs, tree items, settings that
 * answer their defaults, a Memento, secret storage that holds nothing), and answers
 * anything else with a do-nothing function whose name it records in `standIn.unknown`, so
 * the figures say when activation used an API this file does not model.
 */

type Listener<T> = (event: T) => unknown;

export interface VscodeStandIn {
  /** What `require('vscode')` returns. */
  module: Record<string, unknown>;
  /** An ExtensionContext for an extension installed at `extensionPath`. */
  context(extensionPath: string, packageJSON: unknown): Record<string, unknown>;
  /** Names of the API members activation reached that this stand-in does not model. */
  unknown: Set<string>;
}

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => {
      for (const item of items) item.dispose();
    });
  }
  constructor(private readonly onDispose: () => unknown = () => undefined) {}
  dispose(): void {
    this.onDispose();
  }
}

class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(event: T): void {
    for (const listener of [...this.listeners]) listener(event);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query = '',
    readonly fragment = '',
  ) {}
  static file(path: string): Uri {
    return new Uri('file', path);
  }
  static parse(value: string): Uri {
    const url = new URL(value);
    return new Uri(url.protocol.replace(/:$/, ''), decodeURIComponent(url.pathname), url.search.replace(/^\?/, ''), url.hash.replace(/^#/, ''));
  }
  static from(parts: { scheme: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(parts.scheme, parts.path ?? '', parts.query ?? '', parts.fragment ?? '');
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return new Uri(base.scheme, [base.path.replace(/\/+$/, ''), ...segments].join('/'));
  }
  get fsPath(): string {
    return this.path;
  }
  with(change: { scheme?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(change.scheme ?? this.scheme, change.path ?? this.path, change.query ?? this.query, change.fragment ?? this.fragment);
  }
  toString(): string {
    return `${this.scheme}://${this.path}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }
}

class TreeItem {
  constructor(
    readonly label: unknown,
    readonly collapsibleState = 0,
  ) {}
}

class ThemeIcon {
  static readonly File = new ThemeIcon('file');
  static readonly Folder = new ThemeIcon('folder');
  constructor(
    readonly id: string,
    readonly color?: unknown,
  ) {}
}

class ThemeColor {
  constructor(readonly id: string) {}
}

class MarkdownString {
  constructor(
    public value = '',
    public supportThemeIcons = false,
  ) {}
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
  appendText(text: string): this {
    this.value += text;
    return this;
  }
  appendCodeblock(code: string): this {
    this.value += `\n\`\`\`\n${code}\n\`\`\`\n`;
    return this;
  }
}

class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
}

class CodeLens {
  constructor(
    readonly range: Range,
    readonly command?: unknown,
  ) {}
}

class Diagnostic {
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity = 0,
  ) {}
}

/** A Memento kept in a Map. */
function memento(): Record<string, unknown> {
  const values = new Map<string, unknown>();
  return {
    get: (key: string, fallback?: unknown) => (values.has(key) ? values.get(key) : fallback),
    update: (key: string, value: unknown) => {
      if (value === undefined) values.delete(key);
      else values.set(key, value);
      return Promise.resolve();
    },
    keys: () => [...values.keys()],
    setKeysForSync: () => undefined,
  };
}

/** Settings that answer the default the caller passes, as with no user settings. */
function configuration(): Record<string, unknown> {
  return {
    get: (_key: string, fallback?: unknown) => fallback,
    has: () => false,
    inspect: () => undefined,
    update: () => Promise.resolve(),
  };
}

const event = (): Disposable => new Disposable();

export function createVscodeStandIn(): VscodeStandIn {
  const unknown = new Set<string>();

  /** Anything not modelled: callable, constructible, with do-nothing members; never a thenable. */
  const permissive = (name: string): unknown =>
    new Proxy(function standInMember() {
      return new Disposable();
    }, {
      get: (target, key) => {
        if (key === 'then' || typeof key === 'symbol') return undefined;
        if (key === 'prototype') return target.prototype as unknown;
        unknown.add(`${name}.${key}`);
        return permissive(`${name}.${key}`);
      },
    });

  /** `values`, and for any other member a recorded permissive stand-in. */
  const namespace = (name: string, values: Record<string, unknown>): Record<string, unknown> =>
    new Proxy(values, {
      get: (target, key) => {
        if (typeof key === 'symbol' || key in target) return target[key as string];
        // Asked by module interop (`__esModule`) and by `await` (`then`): absent, as in VS Code.
        if (key === 'then' || key === '__esModule') return undefined;
        unknown.add(`${name}.${key}`);
        return permissive(`${name}.${key}`);
      },
    });

  const outputChannel = (name: string): Record<string, unknown> => {
    const noop = (): void => undefined;
    return {
      name, logLevel: 2, onDidChangeLogLevel: event,
      trace: noop, debug: noop, info: noop, warn: noop, error: noop, append: noop, appendLine: noop,
      replace: noop, clear: noop, show: noop, hide: noop, dispose: noop,
    };
  };

  const module = namespace('vscode', {
    version: '1.100.0',
    Disposable, EventEmitter, Uri, TreeItem, ThemeIcon, ThemeColor, MarkdownString, Position, Range, CodeLens, Diagnostic,
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    TextEditorRevealType: { Default: 0, InCenter: 1 },
    ExtensionMode: { Production: 1, Development: 2, Test: 3 },
    window: namespace('vscode.window', {
      createOutputChannel: outputChannel,
      createTreeView: () => ({
        visible: false, selection: [], onDidChangeVisibility: event, onDidChangeSelection: event,
        onDidExpandElement: event, onDidCollapseElement: event, reveal: () => Promise.resolve(), dispose: () => undefined,
      }),
      createStatusBarItem: () => ({ text: '', tooltip: undefined, command: undefined, show: () => undefined, hide: () => undefined, dispose: () => undefined }),
      registerTreeDataProvider: event,
      onDidChangeWindowState: event,
      onDidChangeActiveTextEditor: event,
      onDidChangeVisibleTextEditors: event,
      state: { focused: true, active: true },
      visibleTextEditors: [],
      activeTextEditor: undefined,
    }),
    workspace: namespace('vscode.workspace', {
      getConfiguration: configuration,
      onDidChangeConfiguration: event,
      onDidOpenTextDocument: event,
      onDidChangeTextDocument: event,
      onDidCloseTextDocument: event,
      onDidSaveTextDocument: event,
      onDidGrantWorkspaceTrust: event,
      onDidChangeWorkspaceFolders: event,
      registerTextDocumentContentProvider: event,
      textDocuments: [],
      workspaceFolders: undefined,
      isTrusted: true,
    }),
    commands: namespace('vscode.commands', {
      registerCommand: event,
      executeCommand: () => Promise.resolve(undefined),
    }),
    languages: namespace('vscode.languages', {
      registerCodeLensProvider: event,
      createDiagnosticCollection: () => ({ set: () => undefined, delete: () => undefined, clear: () => undefined, dispose: () => undefined }),
    }),
    env: namespace('vscode.env', {
      openExternal: () => Promise.resolve(true),
      clipboard: { readText: () => Promise.resolve(''), writeText: () => Promise.resolve() },
      appName: 'Visual Studio Code (stand-in)',
      language: 'en',
    }),
  });

  const context = (extensionPath: string, packageJSON: unknown): Record<string, unknown> => {
    const extensionUri = Uri.file(extensionPath);
    const storage = Uri.file(`${extensionPath}/.stand-in-storage`);
    const secretsChanged = new EventEmitter<{ key: string }>();
    return namespace('context', {
      subscriptions: [],
      extensionUri,
      extensionPath,
      globalStorageUri: storage,
      storageUri: storage,
      logUri: storage,
      extensionMode: 1,
      globalState: memento(),
      workspaceState: memento(),
      secrets: {
        get: () => Promise.resolve(undefined),
        store: () => Promise.resolve(),
        delete: () => Promise.resolve(),
        onDidChange: secretsChanged.event,
      },
      extension: { id: 'stand-in.extension', extensionUri, extensionPath, packageJSON, isActive: true },
      asAbsolutePath: (relative: string) => `${extensionPath}/${relative}`,
    });
  };

  return { module, context, unknown };
}
