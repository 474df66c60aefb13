// The shape of a curation's `tests:` section (golden tests): each case gives a
// profile and what plan() must make of it. Structural only, like schema.ts;
// golden-compile.ts checks the meaning (value names, languages, profile keys).
import { z } from 'zod';
import { Identifier, LangCode, SafeKey } from './schema-parts.js';
import type { FieldProblem, PlanOutcome } from './plan-types.js';

/** Cases a file may carry: they run on every `curation check` and Publish, so their number is bounded (each is one plan). */
export const MAX_GOLDEN_CASES = 100;

export const PLAN_OUTCOMES = ['sequence', 'fallback', 'skipped', 'ask'] as const;
export const PROBLEM_KINDS = ['missing', 'not_a_number', 'out_of_range', 'unknown_option', 'not_matching', 'wrong_type', 'no_consent'] as const;
/** Exactly the members of T: a new outcome or problem kind in plan-types.ts fails to compile here until it is listed. */
type Exactly<L extends readonly string[], T extends string> = [T] extends [L[number]] ? ([L[number]] extends [T] ? true : false) : false;
const _outcomesListed: Exactly<typeof PLAN_OUTCOMES, PlanOutcome> = true;
const _problemsListed: Exactly<typeof PROBLEM_KINDS, FieldProblem['problem']> = true;

/** A moment with its offset, as Channel Talk and people write it: 2026-03-02T09:30:00+09:00 or …Z. */
export const ISO_MOMENT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const ProfileAnswer = z
  .union([Scalar, z.null(), z.array(Scalar)], { error: 'a profile answer is a text, a number, true/false, null or a list of them' })
  .meta({ description: 'As Channel Talk stores it: "72.5", 72.5, a survey label, a list of labels, true, …' });
const ExpectedValue = z
  .union([Scalar, z.null(), z.array(z.union([Scalar, z.null()]))], { error: 'an expected value is a number, a text, true/false, null or a list of them' })
  .meta({ description: 'Compared exactly with the computed value (1712 is not 1712.5; a text must match to the character).' });

const Expect = z
  .strictObject({
    outcome: z.enum(PLAN_OUTCOMES, { error: `must be one of ${PLAN_OUTCOMES.join(', ')}` }).optional(),
    values: z
      .record(Identifier, ExpectedValue)
      .optional()
      .meta({ description: 'Computed values (names under compute), each compared exactly; values not listed are not compared.' }),
    messages: z
      .array(z.string())
      .optional()
      .meta({ description: 'Every message the customer gets, in order, as `curation preview` shows it: **bold**, • bullets, [ button ] → url (color), [form] …. [] expects none.' }),
    problems: z
      .record(SafeKey, z.enum(PROBLEM_KINDS, { error: `must be one of ${PROBLEM_KINDS.join(', ')}` }))
      .optional()
      .meta({ description: 'Every problem the plan finds, by profile key: weight: missing, height: out_of_range. {} expects none.' }),
  })
  .meta({ description: 'What plan() must produce; give at least one of outcome, values, messages, problems.' });

const GoldenCaseFile = z.strictObject({
  name: z.string().trim().min(1, { error: 'must name the case' }).max(200, { error: 'must be at most 200 characters' }),
  now: z
    .string({ error: 'must be a moment in ISO 8601 with its offset, such as 2026-03-02T09:30:00+09:00, in quotes' })
    .regex(ISO_MOMENT, { error: 'must be a moment in ISO 8601 with its offset, such as 2026-03-02T09:30:00+09:00 or 2026-03-02T00:30:00Z' })
    .optional()
    .meta({ description: 'The moment the customer asked (`now` in expressions). Default: 2025-01-01T00:00:00Z, so a case never depends on the day it runs.' }),
  lang: LangCode.optional().meta({ description: "The customer's language; one of the curation's languages. Default: defaultLanguage." }),
  profile: z
    .record(SafeKey, ProfileAnswer)
    .optional()
    .meta({ description: "The customer's answers by Channel Talk profile key (a field's key:, else its name), as the profile holds them. Default: {}." }),
  expect: Expect,
});

export const GoldenTestsFileSchema = z
  .array(GoldenCaseFile)
  .min(1, { error: 'needs at least one case; leave tests out for none' })
  .max(MAX_GOLDEN_CASES, { error: `a curation may carry at most ${MAX_GOLDEN_CASES} golden test cases (each runs on every check and Publish)` })
  .meta({ description: 'Golden tests: profiles with the values and messages plan() must produce. Run by `curation check` and npm test.' });

export type GoldenTestsFile = z.infer<typeof GoldenTestsFileSchema>;
export type GoldenCaseFile = z.infer<typeof GoldenCaseFile>;
