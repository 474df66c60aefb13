// What a customer can submit in a form the fake holds: only its inputs, and
// for a select, radio or checkbox input only the strings it offers. Channel
// Talk writes the chosen string itself into the profile, so a test that names
// the form's message gets exactly what a real customer could produce.
import type { FakeState } from './state.js';

interface StoredInput {
  bindingKey?: unknown;
  options?: unknown;
}

/** Problems with submitting `values` in the form of message `messageId` (empty: the customer could have entered them). */
export function submissionProblems(state: FakeState, userId: string, messageId: string, values: Record<string, unknown>): string[] {
  const message = state.messages.find((m) => m.id === messageId);
  const chat = message ? state.userChats.get(message.chatId) : undefined;
  if (!message || chat?.userId !== userId) return [`no message ${messageId} in a chat of user ${userId}`];
  const form = message.body.form as { inputs?: StoredInput[] } | undefined;
  const inputs = new Map((form?.inputs ?? []).map((i) => [i.bindingKey, i]));
  if (inputs.size === 0) return [`message ${messageId} holds no form`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const input = inputs.get(key);
    if (!input) {
      problems.push(`${key}: the form has no input bound to it`);
      continue;
    }
    if (!Array.isArray(input.options)) continue;
    const offered = new Set(input.options);
    const chosen = Array.isArray(value) ? (value as unknown[]) : [value];
    if (!chosen.every((c) => offered.has(c))) problems.push(`${key}: not one of the form's options`);
  }
  return problems;
}

/**
 * What Channel Talk does to the form's own message on a submission: the
 * inputs take the values, `submittedAt` is set and `version` goes up. No new
 * message, and no delivery (the message's update reaches no webhook scope).
 */
export function markSubmitted(state: FakeState, messageId: string, values: Record<string, unknown>, at: number): void {
  const message = state.messages.find((m) => m.id === messageId);
  const form = message?.body.form as { inputs?: Array<StoredInput & { value?: unknown }>; submittedAt?: number } | undefined;
  if (!message || !form) return;
  for (const input of form.inputs ?? []) {
    if (typeof input.bindingKey === 'string' && input.bindingKey in values) input.value = values[input.bindingKey];
  }
  form.submittedAt = at;
  message.version = (message.version ?? 1) + 1;
}
