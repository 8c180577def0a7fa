/**
 * A small stand-in for Node's `events` module in the web build (see scripts/build.mjs): just what
 * @vscode/debugadapter's ProtocolServer uses (on, once, off, emit) with Node's semantics for those.
 */
type Listener = (...args: unknown[]) => void;

export class EventEmitter {
  private readonly listenersByEvent = new Map<string | symbol, Listener[]>();

  on(event: string | symbol, listener: Listener): this {
    const list = this.listenersByEvent.get(event);
    if (list) list.push(listener);
    else this.listenersByEvent.set(event, [listener]);
    return this;
  }

  addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener);
  }

  once(event: string | symbol, listener: Listener): this {
    const wrapper: Listener = (...args) => {
      this.removeListener(event, wrapper);
      listener.apply(this, args);
    };
    return this.on(event, wrapper);
  }

  removeListener(event: string | symbol, listener: Listener): this {
    const list = this.listenersByEvent.get(event);
    if (!list) return this;
    const i = list.lastIndexOf(listener);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listenersByEvent.delete(event);
    return this;
  }

  off(event: string | symbol, listener: Listener): this {
    return this.removeListener(event, listener);
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.listenersByEvent.clear();
    else this.listenersByEvent.delete(event);
    return this;
  }

  /** Calls the listeners in order; like Node, an unhandled 'error' event throws. */
  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.listenersByEvent.get(event);
    if (!list || list.length === 0) {
      if (event === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error event: ${String(args[0])}`);
      return false;
    }
    for (const l of [...list]) l.apply(this, args);
    return true;
  }

  listenerCount(event: string | symbol): number {
    return this.listenersByEvent.get(event)?.length ?? 0;
  }

  listeners(event: string | symbol): Listener[] {
    return [...(this.listenersByEvent.get(event) ?? [])];
  }

  setMaxListeners(_n: number): this {
    return this;
  }
}

export default EventEmitter;
