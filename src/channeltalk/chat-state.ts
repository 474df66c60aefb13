// What a user chat delivery means: a new chat, a takeover (closed or
// assigned), or nothing we act on. Two things decide it: what the envelope's
// `event` says happened, and the chat's state in either vocabulary.
//
// v5 states: opened, snoozed, closed, queued, initial, missed; there is no
// `assigned` state: assignment shows as `assigneeId` on the chat. Older
// deliveries said unassigned, open, assigned, solved. An update of a chat is
// never a new chat, and an assignment that comes as an update is a takeover.
// A chat that arrives already assigned in the delivery that opens it is still
// a new chat: shops whose desk auto-assigns every chat at opening would
// otherwise never see a sequence start.
import { words, type Words } from '../words.js';

/** What the envelope says happened to the chat. */
export type ChatChange = 'opened' | 'updated' | 'deleted' | 'unknown';

export function changeOf(event: string | undefined): ChatChange {
  // Without `event` (the old system's URLs, `type` only), deliveries were new chats.
  if (event === undefined) return 'opened';
  switch (event.toLowerCase()) {
    case 'push':
    case 'userchat.opened':
      return 'opened';
    case 'update':
    case 'upsert':
      return 'updated';
    case 'delete':
      return 'deleted';
    default:
      return 'unknown';
  }
}

/** The state, in one vocabulary for both. */
export type ChatState = 'open' | 'assigned' | 'closed' | 'other';

export function stateOf(state: string | undefined): ChatState {
  // A chat without a state is taken as open, as before: the kind of delivery still decides.
  if (state === undefined) return 'open';
  switch (state.toLowerCase()) {
    case 'opened':
    case 'open':
    case 'unassigned':
      return 'open';
    case 'assigned':
      return 'assigned';
    case 'closed':
    case 'solved':
      return 'closed';
    default:
      return 'other';
  }
}

export type ChatDecision = { kind: 'chatOpened' } | { kind: 'chatAssigned' } | { kind: 'chatClosed'; deleted: boolean } | { kind: 'ignored'; reason: string; words: Words };

export interface ChatFacts {
  change: ChatChange;
  /** The envelope said `userChat.opened`: the chat opened, whatever its state says. */
  openedScope: boolean;
  state: ChatState;
  /** The state as delivered, already made safe to print. */
  stateLabel: string;
  assigned: boolean;
}

export function decideChat(f: ChatFacts): ChatDecision {
  if (f.change === 'deleted') return { kind: 'chatClosed', deleted: true };
  switch (f.state) {
    case 'closed':
      return { kind: 'chatClosed', deleted: false };
    case 'assigned':
      return { kind: 'chatAssigned' };
    case 'open':
    case 'other':
      if (f.assigned && f.change !== 'opened') return { kind: 'chatAssigned' };
      return opening(f);
  }
}

function opening(f: ChatFacts): ChatDecision {
  switch (f.change) {
    case 'opened':
      if (f.state === 'open' || f.openedScope) return { kind: 'chatOpened' };
      return { kind: 'ignored', reason: `user chat in state ${f.stateLabel}`, words: words('ignored.chatState', { state: f.stateLabel }) };
    case 'updated':
      return { kind: 'ignored', reason: 'an update of an existing chat is not a new chat', words: words('ignored.chatUpdate') };
    case 'unknown':
      return { kind: 'ignored', reason: 'a user chat delivery whose event is not push, update, upsert, delete or userChat.opened', words: words('ignored.chatEvent') };
    case 'deleted':
      return { kind: 'chatClosed', deleted: true };
  }
}
