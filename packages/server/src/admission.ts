/**
 * What happens to an upgrade request before any WebSocket exists: the Origin check, the connection limits
 * and the `authenticate` hook. Each refuses with an HTTP status, so a refused browser sees a failed
 * handshake and a flood of refused requests costs the server no WebSocket state. Transport-free: the `ws`
 * binding calls it, and so would any other binding.
 */
import { AckwireError, type ErrorCode } from '@ackwire/core';
import type { Handshake } from './handshake.js';
import type { Logger, ServerLimits } from './options.js';
import { originCheck, type OriginCheck, type OriginPolicy } from './origin.js';

export interface Refusal {
  readonly status: number;
  /** Plain-text body of the response. */
  readonly message: string;
  /** The close code when told in band, if not the one of `status` (`refusalCloseCode`). */
  readonly closeCode?: number;
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
};

/** The key connections are counted under: an IPv4 address, or the /64 prefix of an IPv6 address. */
export function addressKey(address: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (v4) return v4[1]!;
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0]!.toLowerCase();
  const [head = '', tail] = bare.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':').flatMap((g) => (g.includes('.') ? ['v4', 'v4'] : [g])));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const full = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${full.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export interface AdmissionOptions {
  origins?: OriginPolicy | undefined;
  allowMissingOrigin?: boolean | undefined;
  authenticate?: ((handshake: Handshake) => unknown) | undefined;
  clientAddress?: ((handshake: Handshake) => string) | undefined;
}

export class Admission {
  private readonly originAllowed: OriginCheck;
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly options: AdmissionOptions,
    private readonly limits: ServerLimits,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.originAllowed = originCheck(options.origins, options.allowMissingOrigin ?? true);
  }

  /** Connections holding a slot (admitted or being authenticated). */
  get size(): number {
    return this.total;
  }

  /** A refusal when the request's Origin is not allowed. */
  checkOrigin(handshake: Handshake): Refusal | undefined {
    return this.originAllowed(handshake) ? undefined : { status: 403, message: 'Origin not allowed' };
  }

  /** Take a connection slot for the client: the key to give back with `release` (once), or a refusal. */
  reserve(handshake: Handshake): Refusal | string {
    if (this.total >= this.limits.maxConnections) return { status: 503, message: 'Too many connections' };
    const key = this.keyOf(handshake);
    const count = this.perAddress.get(key) ?? 0;
    if (count >= this.limits.maxConnectionsPerAddress) return { status: 429, message: 'Too many connections from this address' };
    this.total++;
    this.perAddress.set(key, count + 1);
    return key;
  }

  /** The key a client is counted under: its address (or what `clientAddress` says), IPv6 per /64. */
  keyOf(handshake: Handshake): string {
    let address = handshake.remoteAddress;
    if (this.options.clientAddress) {
      try {
        address = String(this.options.clientAddress(handshake));
      } catch (err) {
        this.logger.error('clientAddress threw; counting the socket address', { error: err });
      }
    }
    return addressKey(address);
  }

  /** Give back a slot taken with `reserve`. */
  release(key: string): void {
    this.total--;
    const left = (this.perAddress.get(key) ?? 1) - 1;
    if (left > 0) this.perAddress.set(key, left);
    else this.perAddress.delete(key);
  }

  /** Run `authenticate`: the handshake with its `auth`, or a refusal. Synchronous without the option. */
  authenticate(handshake: Handshake): Handshake | Refusal | Promise<Handshake | Refusal> {
    const hook = this.options.authenticate;
    if (!hook) return handshake;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<Refusal>((resolve) => {
      timer = setTimeout(() => {
        this.logger.error('authenticate did not settle in time; upgrade refused with 503');
        resolve({ status: 503, message: 'Service Unavailable' });
      }, this.timeoutMs);
      timer.unref?.();
    });
    const run = (async (): Promise<Handshake | Refusal> => {
      try {
        const auth = await hook(handshake);
        return { ...handshake, auth };
      } catch (err) {
        return this.refusalFor(err);
      }
    })();
    return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
  }

  private refusalFor(err: unknown): Refusal {
    if (err instanceof AckwireError) {
      const status = STATUS_OF[err.code];
      if (status !== undefined) return { status, message: err.message.slice(0, 1024) };
    }
    this.logger.error('authenticate failed', { error: err });
    return { status: 500, message: 'Internal Server Error' };
  }
}

export function isRefusal(value: Handshake | Refusal | string): value is Refusal {
  return typeof value === 'object' && 'status' in value;
}
