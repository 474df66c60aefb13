// One HTTP exchange with Channel Talk, behind the narrow interface the client
// needs: method, URL, headers, body and signal in; status, a header reader and
// a bounded body read out. Two implementations:
// - nodeHttpTransport (the default): node:http/https through Node's global
//   keep-alive agents. Global fetch (Node's bundled undici) cost twice the
//   CPU per call and twice the memory under load (bench/lib/transport-cost.ts;
//   bench/profiles/issue21/transport.md): a quarter of the service's main
//   thread in the end-to-end bench.
// - fetchTransport: any fetch, for the `fetch` option tests inject.
// Both: no redirect is followed (a 3xx comes back as it is, so the key pair
// never goes elsewhere); a read past its bound drops the connection; the
// request carries the same header set (fetch's own defaults included).
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { readBounded, type BoundedRead } from './answer-read.js';
import type { AnswerHeaders, HttpMethod } from './transformers/types.js';

export type { AnswerHeaders } from './transformers/types.js';

export interface TransportRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Aborts the request and any body read under way. */
  signal: AbortSignal;
}

export interface TransportAnswer {
  status: number;
  headers: AnswerHeaders;
  /** The body as text, or tooLarge once it is known to pass maxBytes (the rest is not read, the connection is dropped). */
  read(maxBytes: number): Promise<BoundedRead>;
}

/** Rejects with the failure (a network error, or the abort) when no answer arrives. */
export type Transport = (req: TransportRequest) => Promise<TransportAnswer>;

/** A failure below HTTP; its cause is the socket's error (what fetch's "fetch failed" carries too). */
export class TransportError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'TransportError';
  }
}

/** The injected-fetch path: exactly the exchange the client made before the transport existed. */
export function fetchTransport(fetchImpl: typeof fetch): Transport {
  return async (req) => {
    const res = await fetchImpl(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      // A redirect would carry the key pair to wherever it points.
      redirect: 'manual',
    });
    return { status: res.status, headers: res.headers, read: (maxBytes) => readBounded(res, maxBytes) };
  };
}

/**
 * Headers global fetch adds on its own: sent here too, so Channel Talk sees
 * the same request whichever transport made it. accept-encoding as fetch
 * asks; the answer is decoded below as fetch decodes it.
 */
const FETCH_DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  'accept-language': '*',
  'sec-fetch-mode': 'cors',
  'user-agent': 'node',
  'accept-encoding': 'gzip, deflate',
};

/** node:http(s) with Node's global agents (keep-alive, as fetch's global dispatcher; and whatever proxy the runtime gives them). */
export const nodeHttpTransport: Transport = (req) =>
  new Promise<TransportAnswer>((resolve, reject) => {
    const https_ = req.url.startsWith('https:');
    if (!https_ && !req.url.startsWith('http:')) {
      reject(new TransportError('request failed', new Error(`unsupported URL scheme in ${schemeOf(req.url)}`)));
      return;
    }
    const headers: Record<string, string> = { ...req.headers, ...FETCH_DEFAULT_HEADERS };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const options: http.RequestOptions = { method: req.method, headers, signal: req.signal };
    const onAnswer = (res: http.IncomingMessage): void => resolve(nodeAnswer(res));
    // Neither module follows a redirect: a 3xx is handed back as it is.
    const request = https_ ? https.request(req.url, options, onAnswer) : http.request(req.url, options, onAnswer);
    request.on('error', (e) => reject(new TransportError('request failed', e)));
    request.end(req.body);
  });

function schemeOf(url: string): string {
  const colon = url.indexOf(':');
  return colon === -1 ? 'a URL without one' : url.slice(0, colon + 1);
}

function nodeAnswer(res: http.IncomingMessage): TransportAnswer {
  return {
    status: res.statusCode ?? 0,
    headers: new NodeAnswerHeaders(res.headers),
    // The request's signal still holds after the answer came: an abort destroys the request, and the read fails with it.
    read: (maxBytes) => readNodeBody(res, maxBytes),
  };
}

class NodeAnswerHeaders implements AnswerHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    // As Headers.get joins a repeated header.
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

/** One decoder for every answer: decode() without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder();

/**
 * As readBounded reads a fetch Response: refused at once when Content-Length
 * is over the bound, else read until it passes it. Past the bound the answer
 * is destroyed, which closes its socket (never handed back to the agent).
 */
function readNodeBody(res: http.IncomingMessage, maxBytes: number): Promise<BoundedRead> {
  const declared = res.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) {
    res.destroy();
    return Promise.resolve({ tooLarge: true });
  }
  const body = decoded(res);
  // An error after the read settled (a reset as the answer is dropped) has no one to tell: never an uncaught 'error'.
  res.on('error', ignore);
  if (body !== res) body.on('error', ignore);
  return new Promise<BoundedRead>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: () => void): void => {
      body.off('data', onData).off('end', onEnd).off('error', onError);
      outcome();
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      finish(() => resolve({ tooLarge: true }));
      res.destroy();
      if (body !== res) body.destroy();
    };
    // As Response.text() decodes: UTF-8, a leading BOM dropped, bad bytes replaced.
    const onEnd = (): void => finish(() => resolve({ text: UTF8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)) }));
    // Node's answer errors ('aborted') when its connection closes or resets before the end: a failed read, never a short answer.
    const onError = (e: unknown): void => finish(() => reject(new TransportError('answer read failed', e)));
    body.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

function ignore(): void {}

/** The answer's bytes as fetch hands them over: gzip, deflate and br decoded (fetch decodes br too, unasked). */
function decoded(res: http.IncomingMessage): Readable {
  const coding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    coding === 'gzip' || coding === 'x-gzip'
      ? zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH })
      : coding === 'deflate'
        ? zlib.createInflate()
        : coding === 'br'
          ? zlib.createBrotliDecompress()
          : null;
  if (decoder === null) return res;
  // pipe() does not carry an error over: a reset must fail the decoded read too.
  res.on('error', (e) => decoder.destroy(e));
  return res.pipe(decoder);
}
