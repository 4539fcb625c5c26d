import { useState, type FormEvent } from 'react';
import { describeError } from './graphql.ts';

/** A form's submission: busy while it runs, the failure as a sentence, whether it succeeded. */
export function useAction(run: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await run();
      setDone(true);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, submit: (event?: FormEvent) => void submit(event) };
}
