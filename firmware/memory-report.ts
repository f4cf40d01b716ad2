/** Bytes per structure, as `stack.memory()` reports them; each part adds its own entries once, at creation. */
export interface MemoryReport {
  [structure: string]: number;
}
