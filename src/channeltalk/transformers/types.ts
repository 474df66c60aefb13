// The contract between the client's raw exchange and the layers around it, in
// the manner of grammY's API transformers and Octokit's request plugins: a
// transformer receives the next function in the chain, the request and the
// options, and returns what that call returns (or throws what it throws).
import type { RetryPolicy } from '../retry.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Reads one answer header, case-insensitively; null when absent (what a fetch Headers' get does; transport.ts). */
export interface AnswerHeaders {
  get(name: string): string | null;
}

export interface CallRequest {
  method: HttpMethod;
  /** Under /open/v5, starting with '/'; ids already URL-encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

/**
 * 'live' (the default): a send or a read a customer is waiting for.
 * 'background': work that may wait (the missed-delivery sweep): it goes only
 * while the rate-limit window keeps a reserve for live calls.
 */
export type CallPriority = 'live' | 'background';

/** The options every endpoint takes, the same everywhere. */
export interface CallOptions {
  signal?: AbortSignal;
  /**
   * In-process retry, where the client has a retry layer: false for one
   * attempt, true (the default) for the client's policy, or parts of a policy
   * to override. A caller that retries durably itself passes false.
   */
  retry?: boolean | Partial<RetryPolicy>;
  /** Longest one attempt may take, the pacing wait included; replaces the client's timeoutMs. */
  timeoutMs?: number;
  priority?: CallPriority;
}

/** What each layer hands the next: the call's options, resolved, and which attempt this is. */
export interface AttemptOptions extends CallOptions {
  timeoutMs: number;
  /** 1 for the first attempt of a call; the retry layer counts up. */
  attempt: number;
}

export interface CallResult<T> {
  status: number;
  data: T;
  /** A fetch Response's Headers, or the node:http transport's reader of the same shape. */
  headers: AnswerHeaders;
}

export type CallFn = (req: CallRequest, opts: AttemptOptions) => Promise<CallResult<unknown>>;

export type Transformer = (prev: CallFn, req: CallRequest, opts: AttemptOptions) => Promise<CallResult<unknown>>;

/** Wraps `call` in the transformers, the first one outermost. */
export function chain(transformers: readonly Transformer[], call: CallFn): CallFn {
  return transformers.reduceRight<CallFn>((next, t) => (req, opts) => t(next, req, opts), call);
}
