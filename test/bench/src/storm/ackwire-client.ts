/** Workload G's Ackwire client: the defaults (session resume, receipts, reconnect with jittered backoff). */
import { createClient } from '@ackwire/client';
import { STORM_TOPICS, stormApi, type StormClient } from './contract.js';

export const client: StormClient = {
  open(url, hooks) {
    const c = createClient(stormApi, { url });
    let opened = false;
    c.$on('session', ({ resumed }) => {
      if (opened) hooks.back(resumed);
      opened = true;
    });
    const started = STORM_TOPICS.map(
      (topic, i) =>
        new Promise<void>((resolve, reject) => {
          let first = true;
          c.storm.events.subscribe(
            { topic },
            {
              onData: (event) => hooks.event(i, event),
              onStarted: ({ recovered }) => {
                if (first) resolve();
                else if (!recovered) hooks.gap();
                first = false;
              },
              onError: reject,
            },
          );
        }),
    );
    return { started: Promise.all(started).then(() => undefined), call: (key) => c.storm.work({ key }), close: () => c.$close() };
  },
};
