// The curation engine's public face: load files, match events, plan runs.
export { loadCurations, type LoadResult } from './load.js';
export { formatLoadError, type CurationLoadError } from './load-errors.js';
export { matchCurations } from './match.js';
export { plan, resolveProfile, resolveLanguage, type PlanOptions } from './plan.js';
export { describePlan } from './describe.js';
export { runGoldenTests, goldenTestsOf, visibleTexts, type GoldenReport, type GoldenCaseResult, type GoldenMismatch, type GoldenCase } from './golden.js';
export { curationJsonSchema, curationJsonSchemaText } from './schema.js';
export type { CurationFunction, CurationFunctions } from './functions.js';
export type { Curation, CurationSet, FieldSpec, FieldOption, FieldType, Trigger, TriggerKind, TakeoverEventKind } from './types.js';
export type { Plan, PlanOutcome, PlannedMessageSpec, FieldProblem, Value } from './plan-types.js';
export type { ResolvedFields as ResolvedProfile } from './profile.js';
