import type { ReactNode } from 'react';
import { Link, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';
import { SignOutButton } from './sign-out-button.tsx';

const PUBLIC_LINKS = [
  ['/guide', 'Set up your mail client'],
  ['/faq', 'FAQ'],
  ['/about', 'About'],
  ['/contact', 'Contact'],
] as const;

const ACCOUNT_LINKS = [
  ['/messages', 'Sent messages'],
  ['/guide', 'Mail client setup'],
  ['/settings', 'Settings'],
] as const;

function NavLink({ to, label }: { readonly to: string; readonly label: string }) {
  const { pathname } = useLocation();
  const current = pathname === to || pathname.startsWith(`${to}/`);
  return (
    <li>
      <Link to={to} aria-current={current ? 'page' : undefined}>
        {label}
      </Link>
    </li>
  );
}

/** The frame of every page: skip link, header with the tenant's name and navigation, footer. */
export function Layout({ children }: { readonly children: ReactNode }) {
  const { settings, account } = useSession();
  const links = account ? ACCOUNT_LINKS : PUBLIC_LINKS;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          {settings?.displayName ?? 'Zajoni'}
        </Link>
        <nav aria-label="Main">
          <ul>
            {links.map(([to, label]) => (
              <NavLink key={to} to={to} label={label} />
            ))}
            {account?.role === 'TENANT_ADMIN' && <NavLink to="/admin" label="Users" />}
            {!account && <NavLink to="/sign-in" label="Sign in" />}
            {!account && <NavLink to="/sign-up" label="Sign up" />}
          </ul>
        </nav>
        {account && (
          <div className="account">
            <span>{account.address}</span> <SignOutButton />
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="site-footer">
        <Link to="/faq">FAQ</Link> · <Link to="/about">About</Link> ·{' '}
        <Link to="/contact">Contact</Link> · <a href="/graphql">GraphQL API</a>
      </footer>
    </>
  );
}
