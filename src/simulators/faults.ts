import type { CallLog, Fault, FaultController, FaultRule, SimulatorCall } from "./types";

/** Per-endpoint fault rules. A rule for the exact endpoint wins over the "*" rule. */
export class FaultRules implements FaultController {
  private readonly rules = new Map<string, FaultRule>();

  set(endpoint: string, fault: Fault, times?: number): void {
    this.rules.set(endpoint, { fault, times });
  }

  clear(endpoint?: string): void {
    if (endpoint === undefined) this.rules.clear();
    else this.rules.delete(endpoint);
  }

  /** The fault that applies to this call, counting down its `times` (a spent rule is removed). */
  take(endpoint: string): Fault | undefined {
    const key = this.rules.has(endpoint) ? endpoint : this.rules.has("*") ? "*" : undefined;
    if (key === undefined) return undefined;
    const rule = this.rules.get(key) as FaultRule;
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) this.rules.delete(key);
    }
    return rule.fault;
  }
}

export class CallRecorder implements CallLog {
  private readonly entries: SimulatorCall[] = [];
  private readonly arrived = new Map<string, number>();

  get calls(): readonly SimulatorCall[] {
    return this.entries;
  }

  count(endpoint?: string): number {
    return endpoint === undefined
      ? this.entries.length
      : this.entries.filter((c) => c.endpoint === endpoint).length;
  }

  arrivals(endpoint?: string): number {
    if (endpoint !== undefined) return this.arrived.get(endpoint) ?? 0;
    return [...this.arrived.values()].reduce((a, n) => a + n, 0);
  }

  arrive(endpoint: string): void {
    this.arrived.set(endpoint, (this.arrived.get(endpoint) ?? 0) + 1);
  }

  reset(): void {
    this.entries.length = 0;
    this.arrived.clear();
  }

  record(call: SimulatorCall): void {
    this.entries.push(call);
  }
}
