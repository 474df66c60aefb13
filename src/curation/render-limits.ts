// The budget of rendering. plan() is synchronous and runs on the service's
// only thread, so a template that loops for minutes or builds a gigabyte of
// text would stop every chat. liquidjs enforces a deadline (checked before
// each template node, so in every loop iteration) and a memory allowance
// (charged by ranges and by its filters); the length of what a template writes,
// and of what `capture` collects, is bounded here. Going over any of them
// fails the one run with a RenderLimitError.
import { CaptureTag, Context, type Emitter, type Liquid } from 'liquidjs';

export const RENDER_LIMITS = {
  /** Time for all the templates of one plan, in ms. Ordinary plans take well under 5 ms. */
  renderMs: 250,
  /** liquidjs units (characters, list items) all the templates of one plan may allocate. */
  memory: 1_000_000,
  /** Characters one template may produce (or collect in one capture). */
  outputChars: 20_000,
  /** Characters of one template's source. */
  sourceChars: 20_000,
} as const;

export type RenderLimits = { readonly [K in keyof typeof RENDER_LIMITS]: number };

export class RenderLimitError extends Error {}

function tooLong(limits: RenderLimits): RenderLimitError {
  return new RenderLimitError(`it is longer than ${limits.outputChars} characters`);
}

/** What liquidjs writes through; refuses to grow past the length limit. */
export class BoundedEmitter implements Emitter {
  buffer = '';

  constructor(private readonly limits: RenderLimits) {}

  write(html: unknown): void {
    // Every output arrives as a string (our write step); tags write strings or numbers.
    const s = typeof html === 'string' ? html : typeof html === 'number' ? String(html) : html === null || html === undefined ? '' : Object.prototype.toString.call(html);
    if (this.buffer.length + s.length > this.limits.outputChars) throw tooLong(this.limits);
    this.buffer += s;
  }
}

/** The result of the short cut (which writes no liquidjs nodes) against the same length limit. */
export function checkLength(s: string, limits: RenderLimits): string {
  if (s.length > limits.outputChars) throw tooLong(limits);
  return s;
}

const LIMITS_KEY = 'curationRenderLimits';

export function newContext(scope: Record<string, unknown>, globals: object, liquid: Liquid, limits: RenderLimits): Context {
  const ctx = new Context(scope, liquid.options, { sync: true, globals, renderLimit: limits.renderMs, memoryLimit: limits.memory }, { liquid });
  ctx.setRegister(LIMITS_KEY, limits);
  return ctx;
}

/** `capture` as liquidjs has it, but what it collects is bounded like an output. */
export class BoundedCaptureTag extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    const limits = ctx.getRegister(LIMITS_KEY, RENDER_LIMITS) as RenderLimits;
    const html = yield this.liquid.renderer.renderTemplates(this.templates, ctx, new BoundedEmitter(limits));
    (ctx.bottom() as Record<string, unknown>)[this.variable] = html;
  }
}

/**
 * The limit an error from a liquidjs render stands for, if it is one: its own
 * limiters throw "template render limit exceeded" / "memory alloc limit
 * exceeded", possibly wrapped in RenderErrors; ours are RenderLimitErrors.
 */
export function limitError(err: unknown, limits: RenderLimits): RenderLimitError | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = (e as { originalError?: unknown }).originalError, depth++) {
    if (e instanceof RenderLimitError) return e;
    if (e.name === 'AssertionError' && e.message.startsWith('template render limit exceeded')) return new RenderLimitError(`it took longer than ${limits.renderMs} ms`);
    if (e.name === 'AssertionError' && e.message.startsWith('memory alloc limit exceeded')) return new RenderLimitError('it needs more memory than a message may use');
    // A string past V8's maximum length: only reachable through growth the memory allowance did not see.
    if (e instanceof RangeError && /Invalid string length/.test(e.message)) return new RenderLimitError('it needs more memory than a message may use');
  }
  return null;
}
