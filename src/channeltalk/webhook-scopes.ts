// The scopes a Channel Talk webhook subscribes to (Settings > Webhook, or
// `POST /webhooks` with `scopes`), as the OpenAPI document lists them.
export const WEBHOOK_SCOPES = [
  'userChat.opened',
  'message.created.userChat',
  'message.created.teamChat',
  'lead.upserted.contact',
  'lead.upserted.subscription',
  'lead.deleted',
  'member.upserted.contact',
  'member.upserted.subscription',
  'member.deleted',
] as const;

export type WebhookScope = (typeof WEBHOOK_SCOPES)[number];
