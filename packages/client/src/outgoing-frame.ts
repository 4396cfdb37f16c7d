/**
 * A request as text for the socket, or a clear error for a message that cannot be sent at all: one the
 * negotiated codec cannot write (a BigInt under ackwire.v1.json, say), or one over the server's frame size
 * limit, which would close the connection (1009) and, re-sent on resume, close it again.
 */
import { AckwireError, encodeClientMessage, type ClientMessage, type Codec } from '@ackwire/core';

const utf8 = new TextEncoder();

/** `maxPayload`: the server's limit from its welcome, in bytes; 0 for none. */
export function encodeRequest(msg: ClientMessage, codec: Codec, maxPayload: number): string {
  let text: string;
  try {
    text = encodeClientMessage(msg, codec);
  } catch (err) {
    throw new AckwireError('BAD_REQUEST', `Cannot encode the message with the ${codec.name} codec: ${(err as Error).message}`);
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so most frames skip the count.
  if (maxPayload > 0 && text.length * 3 > maxPayload && utf8.encode(text).length > maxPayload) {
    throw new AckwireError('PAYLOAD_TOO_LARGE', `The message is larger than the server's limit of ${maxPayload} bytes`);
  }
  return text;
}
