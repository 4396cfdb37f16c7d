/**
 * The socket the server core talks to. The `ws` binding (ws-adapter.ts) implements it in a few lines; tests
 * and fuzzers implement it with an array.
 */
export interface WireSocket {
  /** The negotiated subprotocol token. */
  readonly protocol: string;
  /** Largest frame the transport accepts, in bytes (told to the client in welcome); undefined for none. */
  readonly maxPayload?: number;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
  /** Stop and restart reading frames (backpressure for the message rate limit). Optional: without them a
   * connection over the rate is closed with 4420. */
  pause?(): void;
  resume?(): void;
  /** Drop the connection without a closing handshake. */
  terminate(): void;
}
