import { useState, type FormEvent } from 'react';
import {
  EMPTY_FILTER,
  toMessageFilter,
  type FilterForm,
  type MessageFilterInput,
} from '../filters.ts';
import { formatStatus } from '../format.ts';
import { MESSAGE_STATUSES } from '../operations.ts';
import { Field } from './field.tsx';

/** The search form of the message list; submits a valid MessageFilter. */
export function MessageFilters({
  onSearch,
}: {
  readonly onSearch: (f: MessageFilterInput) => void;
}) {
  const [form, setForm] = useState<FilterForm>(EMPTY_FILTER);
  const [error, setError] = useState<{ field: keyof FilterForm; message: string } | null>(null);
  const set = (field: keyof FilterForm) => (value: string) => setForm({ ...form, [field]: value });
  const errorOf = (field: keyof FilterForm) => (error?.field === field ? error.message : undefined);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = toMessageFilter(form);
    if (!result.ok) {
      setError({ field: result.field, message: result.message });
      return;
    }
    setError(null);
    onSearch(result.filter);
  };

  const reset = () => {
    setForm(EMPTY_FILTER);
    setError(null);
    onSearch({});
  };

  const text = (field: keyof FilterForm, label: string, hint?: string) => (
    <Field
      label={label}
      value={form[field]}
      onChange={(e) => set(field)(e.target.value)}
      error={errorOf(field)}
      {...(hint ? { hint } : {})}
    />
  );

  return (
    <form className="filters" onSubmit={submit} aria-label="Search messages">
      {text('recipient', 'Recipient', 'A whole address, or a domain such as example.org')}
      {text('subjectPrefix', 'Subject starts with')}
      <div className="field">
        <label htmlFor="filter-status">Status</label>
        <select
          id="filter-status"
          value={form.status}
          onChange={(e) => set('status')(e.target.value)}
        >
          <option value="">Any</option>
          {MESSAGE_STATUSES.map((status) => (
            <option key={status} value={status}>
              {formatStatus(status)}
            </option>
          ))}
        </select>
      </div>
      <Field
        label="Sent after"
        type="datetime-local"
        value={form.after}
        onChange={(e) => set('after')(e.target.value)}
        error={errorOf('after')}
      />
      <Field
        label="Sent before"
        type="datetime-local"
        value={form.before}
        onChange={(e) => set('before')(e.target.value)}
        error={errorOf('before')}
      />
      {text('queueId', 'Our queue id')}
      {text('remoteQueueId', "Recipient server's queue id")}
      <div className="actions">
        <button type="submit">Search</button>
        <button type="button" className="secondary" onClick={reset}>
          Clear
        </button>
      </div>
    </form>
  );
}
