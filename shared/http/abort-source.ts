import { EventEmitter } from "node:events";

/**
 * An abort that builds no AbortSignal until one is asked for. On Node 20 an AbortSignal is costly for what it does
 * (~2.5 us to build alone, ~6 us a request in the local server's profile, and an EventTarget listener pair on top);
 * the local server's client signal and every upstream attempt need one each, and most never abort. An AbortSource
 * has what the gateway's own code reads (`aborted`, `reason`, `addEventListener`, `removeEventListener`) and is an
 * EventEmitter emitting "abort" once, the form undici documents for a request's signal. `signal` builds a real
 * AbortSignal that follows it, for what needs one (fetch, `AbortSignal.any`, a provider's side calls).
 */
export class AbortSource extends EventEmitter {
  aborted = false;
  reason: unknown;
  private controller: AbortController | undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.emit("abort");
  }

  addEventListener(_type: "abort", listener: () => void, options?: { readonly once?: boolean }): void {
    if (options?.once) this.once("abort", listener);
    else this.on("abort", listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    this.removeListener("abort", listener);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }
}

/** What the gateway's own code takes to learn of an abort: an AbortSignal, or an AbortSource. */
export type AnySignal = AbortSignal | AbortSource;

/** A real AbortSignal for `signal` (built on first use for an AbortSource). */
export function abortSignalOf(signal: AnySignal): AbortSignal {
  return signal instanceof AbortSource ? signal.signal : signal;
}
