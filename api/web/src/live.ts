import { useEffect, useRef, useState } from 'react';
import { GRAPHQL_PATH } from './graphql.ts';
import { DELIVERY_EVENTS, type MessageStatus } from './operations.ts';

export interface DeliveryEvent {
  readonly queueId: string;
  readonly status: MessageStatus;
}

/** Whether the live stream is open. */
export type LiveState = 'connecting' | 'live' | 'offline';

/** The delivery-events subscription's URL: GraphQL over SSE with GET, which EventSource uses. */
export function deliveryEventsUrl(): string {
  return `${GRAPHQL_PATH}?query=${encodeURIComponent(DELIVERY_EVENTS)}`;
}

/** Parses one SSE `next` payload; undefined for anything else. */
export function parseDeliveryEvent(data: string): DeliveryEvent | undefined {
  try {
    const parsed = JSON.parse(data) as { data?: { deliveryEvents?: DeliveryEvent } };
    return parsed.data?.deliveryEvents ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Listens to deliveryEvents while `enabled`, calling `onEvent` for each. EventSource sends the
 * session cookie and reconnects by itself; events missed while offline are not replayed (the
 * API sends them at most once), so a page re-reads its list when the stream opens again.
 */
export function useDeliveryEvents(
  enabled: boolean,
  onEvent: (event: DeliveryEvent) => void,
  onReconnect?: () => void,
): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handlers = useRef({ onEvent, onReconnect });
  handlers.current = { onEvent, onReconnect };

  useEffect(() => {
    if (!enabled) return undefined;
    const source = new EventSource(deliveryEventsUrl());
    let opened = false;
    source.onopen = () => {
      if (opened) handlers.current.onReconnect?.();
      opened = true;
      setState('live');
    };
    source.onerror = () =>
      setState(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    source.addEventListener('next', (message: MessageEvent<string>) => {
      const event = parseDeliveryEvent(message.data);
      if (event) handlers.current.onEvent(event);
    });
    return () => source.close();
  }, [enabled]);

  return enabled ? state : 'offline';
}
