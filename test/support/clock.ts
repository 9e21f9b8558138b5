import type { Clock } from "../../src/upstreams/reads/clock";

/** A clock that moves only when the test says: freshness and budget tests never sleep to a time. */
export class ManualClock implements Clock {
  private at: number;
  private readonly sleepers: { until: number; wake: () => void }[] = [];

  constructor(start = Date.now()) {
    this.at = start;
  }

  now(): number {
    return this.at;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((wake) => this.sleepers.push({ until: this.at + ms, wake }));
  }

  /** Moves time on by `ms`, waking every sleeper whose time has come. */
  advance(ms: number): void {
    this.at += ms;
    for (const sleeper of [...this.sleepers]) {
      if (sleeper.until <= this.at) {
        this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
        sleeper.wake();
      }
    }
  }
}
