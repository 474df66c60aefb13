// A curation that copies answers (issue 16, item 18): the weight into a
// computed value written back to the profile, the phone number into a user
// event. The console must show none of these copies before a reveal.
import { webhookForChat } from '../support/fixtures.js';

export const COPY_CURATION = {
  'weight-copy.yaml': `id: weight-copy
defaultLanguage: ko
trigger: { on: chatOpened, chatTags: [체중기록] }
fields:
  weight: { type: number, unit: kg, min: 20, max: 300 }
  mobileNumber: { type: text, required: false }
compute:
  w2: weight * 1
  phone: mobileNumber
messages:
  - text: 체중을 기록해 두었어요.
writeBack:
  w2: lastWeight
userEvent:
  name: weightRecorded
  property:
    contact: "{{ phone }}"
    source: curation
`,
};

/** The answers of the shipped chat-opened delivery's profile. */
export const WEIGHT = '72.5';
export const PHONE = '+821000000000';

/** The shipped chat-opened delivery for `chatId`, tagged so that only weight-copy starts. */
export function copyDelivery(chatId: string): Record<string, unknown> {
  const delivery = webhookForChat('user-chat-opened', chatId);
  return { ...delivery, entity: { ...(delivery.entity as Record<string, unknown>), tags: ['체중기록'] } };
}
