export interface LoadBudget {
  units: number;
  ms: number;
  sliceMs: number;
}
export const LOAD_BUDGET: LoadBudget = { units: 500_000, ms: 10_000, sliceMs: 20 };
