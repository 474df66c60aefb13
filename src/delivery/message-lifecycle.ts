// The message lifecycle, beside the run's (run-lifecycle.ts): which event
// moves a message where. Pure: the store asks nextMessage() (through
// messageMove) and persists the answer, with a condition on the states the
// event may leave, so a write never moves a message the lifecycle would not.
import { FINAL_MESSAGE_STATES, MESSAGE_STATES, type MessageState } from './run-lifecycle.js';

/** Where a message stands before it is stored: a plan is about to insert it. Never persisted. */
export const MESSAGE_START = 'new';
export type MessagePosition = typeof MESSAGE_START | MessageState;

export const MESSAGE_EVENTS = ['planned', 'activate', 'claim', 'sent', 'retry', 'fail', 'skip', 'stop', 'abandon'] as const;
/**
 * Everything that can happen to a message:
 * - `planned`: its run was planned; it waits its turn in the chat;
 * - `activate`: its turn came (the chat's live message): due;
 * - `claim`: its sendMessage job claimed it: in flight (again, when the last claim's lease ran out);
 * - `sent`: Channel Talk took it;
 * - `retry`: a transient failure: due again;
 * - `fail`: a permanent failure;
 * - `skip`: an earlier message of its run failed: never sent;
 * - `stop`: a human took over before it went out: never sent;
 * - `abandon`: claimed, but its run ended before the send (a takeover found by the chat read, or the run ended while it waited for a retry).
 */
export type MessageEvent = (typeof MESSAGE_EVENTS)[number];

export class IllegalMessageTransition extends Error {
  constructor(
    readonly from: MessagePosition,
    readonly event: MessageEvent,
  ) {
    super(`a message in state ${from} cannot take the event ${event}`);
    this.name = 'IllegalMessageTransition';
  }
}

/** The state a message moves to, or IllegalMessageTransition: nothing moves a final message, and one in flight finishes (a takeover stops only those not yet claimed). */
export function nextMessage(from: MessagePosition, event: MessageEvent): MessageState | IllegalMessageTransition {
  const when = (froms: readonly MessagePosition[], to: MessageState): MessageState | IllegalMessageTransition =>
    froms.includes(from) ? to : new IllegalMessageTransition(from, event);
  switch (event) {
    case 'planned':
      return when([MESSAGE_START], 'waiting');
    case 'activate':
      return when(['waiting'], 'pending');
    case 'claim':
      return when(['pending', 'sending'], 'sending');
    case 'sent':
      return when(['sending'], 'sent');
    case 'retry':
      return when(['sending'], 'pending');
    case 'fail':
      return when(['sending'], 'failed');
    case 'skip':
      return when(['waiting', 'pending'], 'skipped');
    case 'stop':
      return when(['waiting', 'pending'], 'cancelled');
    case 'abandon':
      return when(['sending'], 'cancelled');
    default: {
      const unknown: never = event;
      throw new Error(`unknown message event ${String(unknown)}`);
    }
  }
}

/** nextMessage(), for callers where an illegal transition is a bug: throws it. */
export function mustNextMessage(from: MessagePosition, event: MessageEvent): MessageState {
  const to = nextMessage(from, event);
  if (to instanceof IllegalMessageTransition) throw to;
  return to;
}

/** What an event does to stored messages: the states it moves and the one state they move to. */
export interface MessageMove {
  readonly from: readonly MessageState[];
  readonly to: MessageState;
}

/**
 * messageMove's answer derived from nextMessage(): every stored state the
 * event moves, which must all go to one state. Asking nextMessage() builds an
 * IllegalMessageTransition (an Error, with its stack) for each state the
 * event does not move, so this runs once per event, at load (MESSAGE_MOVES).
 */
function deriveMessageMove(event: MessageEvent): MessageMove {
  const moves = MESSAGE_STATES.map((from) => ({ from, to: nextMessage(from, event) })).filter(
    (m): m is { from: MessageState; to: MessageState } => !(m.to instanceof IllegalMessageTransition),
  );
  const targets = new Set(moves.map((m) => m.to));
  const [to] = targets;
  if (to === undefined || targets.size > 1) throw new Error(`the message event ${event} does not move stored messages to one state`);
  return Object.freeze({ from: Object.freeze(moves.map((m) => m.from)), to });
}

/**
 * Every event's move, derived once: a message write asks for its event's on
 * every send, and the lifecycle is pure, so the answer never changes. An
 * event that moves no stored message (`planned`: the insert) keeps the
 * words of its error, thrown when asked, as deriving it would.
 */
const MESSAGE_MOVES: ReadonlyMap<MessageEvent, MessageMove | { error: string }> = new Map(
  MESSAGE_EVENTS.map((event): [MessageEvent, MessageMove | { error: string }] => {
    try {
      return [event, deriveMessageMove(event)];
    } catch (err) {
      return [event, { error: (err as Error).message }];
    }
  }),
);

/**
 * What an event does to stored messages, as one conditional write: the
 * states it moves (the write's condition) and the one state they move to.
 * Every message event has a single target, so a message write never needs to
 * read the row first. The same frozen answer each time (MESSAGE_MOVES).
 */
export function messageMove(event: MessageEvent): MessageMove {
  const move = MESSAGE_MOVES.get(event);
  if (move === undefined) throw new Error(`unknown message event ${String(event)}`);
  if ('error' in move) throw new Error(move.error);
  return move;
}

export function isFinalMessageState(s: MessagePosition): boolean {
  return (FINAL_MESSAGE_STATES as readonly string[]).includes(s);
}
