/**
 * A base class for whatever owns listeners, emitters, timers or other disposables: it
 * registers them as it makes them and disposes them, in the order registered, when it is
 * disposed itself (once; a child registered after that is disposed at once). Structurally a
 * vscode.Disposable, but imports no vscode, so the core can use it too.
 */

/** Anything with a dispose method: a vscode.Disposable, an EventEmitter, a watcher. */
export interface DisposableLike {
  dispose(): unknown;
}

export abstract class Disposable implements DisposableLike {
  private readonly children: DisposableLike[] = [];
  private disposed = false;

  /** Whether dispose() has run. */
  protected get isDisposed(): boolean {
    return this.disposed;
  }

  /** Disposes `children` with this object; returns the first, to write `x = this._register(make())`. */
  protected _register<T extends DisposableLike>(child: T, ...more: DisposableLike[]): T {
    for (const each of [child, ...more]) {
      if (this.disposed) each.dispose();
      else this.children.push(each);
    }
    return child;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const child of this.children.splice(0)) child.dispose();
  }
}
