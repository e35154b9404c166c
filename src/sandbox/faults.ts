/** A named fault a sandbox component can inject, driven by tests and `drillctl sandbox fault`. */
export interface Fault {
  description: string;
  /** Turns the fault on; params come from the caller (JSON). */
  inject(params: Record<string, unknown>): void;
  clear(): void;
}

export class FaultRegistry {
  private readonly faults = new Map<string, Fault>();

  register(name: string, fault: Fault): void {
    if (this.faults.has(name)) throw new Error(`fault ${name} is registered twice`);
    this.faults.set(name, fault);
  }

  inject(name: string, params: Record<string, unknown> = {}): void {
    this.get(name).inject(params);
  }

  clear(name?: string): void {
    if (name) this.get(name).clear();
    else for (const f of this.faults.values()) f.clear();
  }

  list(): { name: string; description: string }[] {
    return [...this.faults].map(([name, f]) => ({ name, description: f.description }));
  }

  private get(name: string): Fault {
    const f = this.faults.get(name);
    if (!f) throw new Error(`unknown fault "${name}"; known: ${[...this.faults.keys()].join(', ')}`);
    return f;
  }
}
