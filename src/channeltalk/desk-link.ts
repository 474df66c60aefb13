// Where an operator opens a chat in Channel Talk's desk. Channel Talk's API
// document does not give this address: it is the form public integrations
// link with (webhacking/channel-talk-slack, get-direct-conversation-link.util.js),
// so it may change without notice. A run without its channel gets no link.
const DESK = 'https://desk.channel.io';

export function deskChatUrl(channelId: string | null, chatId: string): string | null {
  if (channelId === null || channelId === '') return null;
  return `${DESK}/#/channels/${encodeURIComponent(channelId)}/user_chats/${encodeURIComponent(chatId)}`;
}
