import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const CHANGE = 'zajoni:navigate';

/** The current path and query, updated on navigate() and on the browser's back and forward. */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const [href, setHref] = useState(() => window.location.href);
  useEffect(() => {
    const update = () => setHref(window.location.href);
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  const url = new URL(href);
  return { pathname: url.pathname, search: url.searchParams };
}

/** Goes to a page of the console without reloading it. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
  window.scrollTo(0, 0);
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { readonly to: string };

/** A link inside the console: a real `<a href>`, so it opens in a new tab when asked to. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
    if (event.defaultPrevented || modified || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...rest} />;
}
