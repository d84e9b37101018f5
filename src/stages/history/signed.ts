/**
 * Signed moves (docs/history.md): a mover with a key signs each history event as DSSE does, over the
 * pre-authentication encoding of the event's canonical JSON without `previous` (set later, when the
 * event is chained) and without the signature itself. Anyone holding the public key checks who moved
 * an alias; the `movers` gate of a stage accepts only moves signed by the keys it names.
 */
import type { KeyObject } from 'node:crypto';
import { type Envelope, signEnvelope, type TrustedKey, verifyEnvelope } from '../../attestation/index.js';
import { canonical, type EventSignature, type HistoryEvent } from './model.js';
import type { PendingEvent } from './pending.js';

/** The DSSE payload type of a signed history event. */
export const EVENT_PAYLOAD_TYPE = 'application/vnd.ocm.software.alias-event.v1+json';

/** The bytes a signature covers: the event without `previous` and `signature`, canonical JSON. */
export function signedBody(event: PendingEvent | HistoryEvent): Uint8Array {
  const { signature: _, ...rest } = event as HistoryEvent;
  const { previous: __, ...body } = rest as Partial<HistoryEvent>;
  return new TextEncoder().encode(canonical(body));
}

/** The event with its signature by `key`. */
export function signEvent<E extends PendingEvent>(
  event: E,
  key: KeyObject,
): E & { signature: EventSignature } {
  const { signatures } = signEnvelope(EVENT_PAYLOAD_TYPE, signedBody(event), key);
  return { ...event, signature: { keyid: signatures[0]!.keyid, sig: signatures[0]!.sig } };
}

/**
 * Who signed an event, against the trusted keys (a stages document's `trust`, `--public-key`): the
 * signer's name, `unknown key`, `bad signature`, or `-` when it is not signed.
 */
export type EventVerification = string;

export function verifyEvent(event: HistoryEvent, trusted: readonly TrustedKey[]): EventVerification {
  if (!event.signature) return '-';
  const envelope: Envelope = {
    payloadType: EVENT_PAYLOAD_TYPE,
    payload: Buffer.from(signedBody(event)).toString('base64'),
    signatures: [event.signature],
  };
  const v = verifyEnvelope(envelope, trusted);
  return v.status === 'verified' ? v.signer! : v.status;
}
