/**
 * Every component reads time from a Clock so that the local host can run on a virtual clock:
 * tests and simulations advance it, and timers and scheduled messages follow.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to. Listeners let timers and schedulers react to jumps. */
export class VirtualClock implements Clock {
  private current: number;
  private readonly listeners = new Set<(now: Date) => void>();

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(to: Date): void {
    if (to.getTime() < this.current) throw new RangeError('a virtual clock never goes backwards');
    this.current = to.getTime();
    for (const listener of this.listeners) listener(this.now());
  }

  advance(ms: number): void {
    this.set(new Date(this.current + ms));
  }

  onChange(listener: (now: Date) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
