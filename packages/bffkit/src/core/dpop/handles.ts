import type { DPoPHandle } from 'oauth4webapi';
import { loadOAuth } from '../oauth-client';
import type { DpopKeyPair } from '../types';
import { importDpopKey } from './keys';

/** Most handles kept; the least recently used go first. */
const MAX_HANDLES = 10_000;

/**
 * oauth4webapi DPoP handles by key, reused across requests: importing a key costs more than a proof,
 * and each handle remembers the server nonces (`DPoP-Nonce`) it was given, per origin, so a session's
 * next call carries the nonce without being refused first. Keyed by the public coordinates (unique per
 * key). One instance per configuration (the context, or an adapter).
 */
export class DpopHandles {
  private readonly handles = new Map<string, Promise<DPoPHandle>>();

  /**
   * The handle of `key` (made on first use).
   *
   * @example
   * const dpop = await handles.of(session.dpopKey);
   */
  of(key: DpopKeyPair): Promise<DPoPHandle> {
    const id = `${key.x}.${key.y}`;
    let handle = this.handles.get(id);
    if (handle) {
      // Most recently used last (Map order), so eviction takes the coldest.
      this.handles.delete(id);
      this.handles.set(id, handle);
      return handle;
    }
    handle = Promise.all([importDpopKey(key), loadOAuth()]).then(([pair, oauth]) => oauth.DPoP({}, pair));
    handle.catch(() => this.handles.delete(id));
    this.handles.set(id, handle);
    if (this.handles.size > MAX_HANDLES) this.handles.delete(this.handles.keys().next().value!);
    return handle;
  }
}
