/** What `createServer(...).implement(config)` takes: the handlers, the guards and the server options. */
import type { ContractTree } from '@ackwire/core';
import type { Guards } from './guards.js';
import type { Handlers } from './handlers.js';
import type { ServerOptions } from './options.js';

export interface ServerConfig<T extends ContractTree, Ctx, Params, Auth = undefined> extends ServerOptions<Ctx, Params, Auth> {
  /** One handler per procedure and subscription of the contract. */
  handlers: Handlers<T, Ctx>;
  /** Authorization per path, namespace (`'admin'`) or for all (`'*'`); see guards.ts. Default: none. */
  guards?: Guards<T, Ctx>;
}
