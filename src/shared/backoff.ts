/**
 * The delays of the views' and panels' own refreshing while runs are active: 2 s, 4 s, 8 s ... up to
 * 30 s, back to 2 s after a user action. Pure, so the schedule is unit-tested.
 */
export interface BackoffOptions {
  initialMs: number;
  factor: number;
  maxMs: number;
}

export const VIEW_REFRESH_BACKOFF: BackoffOptions = { initialMs: 2000, factor: 2, maxMs: 30_000 };

export class Backoff {
  private nextDelay: number;

  constructor(private readonly options: BackoffOptions = VIEW_REFRESH_BACKOFF) {
    this.nextDelay = options.initialMs;
  }

  /** The delay to wait now; the one after it is longer, up to the maximum. */
  next(): number {
    const delay = this.nextDelay;
    this.nextDelay = Math.min(this.options.maxMs, Math.round(delay * this.options.factor));
    return delay;
  }

  /** Start again from the shortest delay (the user did something). */
  reset(): void {
    this.nextDelay = this.options.initialMs;
  }
}
