import type { ReactNode } from 'react';

/** A failure the person must see: announced at once by screen readers. */
export function ErrorNotice({ children }: { readonly children: ReactNode }) {
  return (
    <div role="alert" className="notice notice-error">
      {children}
    </div>
  );
}

/** A result or progress line, announced politely. */
export function StatusNotice({ children }: { readonly children: ReactNode }) {
  return (
    <div role="status" className="notice">
      {children}
    </div>
  );
}
