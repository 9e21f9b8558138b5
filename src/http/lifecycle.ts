/**
 * Readiness and draining: from the moment shutdown starts, /health/ready answers 503 and every answer
 * carries `Connection: close`; requests in flight (and any that still arrive) are served, and `drained()`
 * resolves once none is in flight or the grace period is over.
 */
export class Lifecycle {
  private inFlight = 0;
  private draining = false;
  private idle: (() => void) | null = null;

  get isDraining(): boolean {
    return this.draining;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  requestStarted(): void {
    this.inFlight += 1;
  }

  requestEnded(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0 && this.idle) this.idle();
  }

  /** Starts draining; resolves true when every request finished, false when the grace ran out first. */
  drain(graceMs: number): Promise<boolean> {
    this.draining = true;
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idle = null;
        resolve(false);
      }, graceMs);
      this.idle = () => {
        clearTimeout(timer);
        this.idle = null;
        resolve(true);
      };
    });
  }
}
