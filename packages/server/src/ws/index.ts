/**
 * `@ackwire/server/ws`: the server on Node's HTTP servers and the `ws` library. The core
 * (`@ackwire/server`) never imports this; another runtime's binding is another folder like this one.
 */
export { attach, type AttachOptions, type Listener } from './attach.js';
export { listen, type ListenOptions } from './listen.js';
