import { useEffect, useRef, type ReactNode } from 'react';
import { Layout } from './components/layout.tsx';
import { AboutPage } from './pages/about.tsx';
import { AdminPage } from './pages/admin.tsx';
import { ContactPage } from './pages/contact.tsx';
import { FaqPage } from './pages/faq.tsx';
import { ForgotPage } from './pages/forgot.tsx';
import { GuidePage } from './pages/guide.tsx';
import { HomePage } from './pages/home.tsx';
import { MessagePage } from './pages/message.tsx';
import { MessagesPage } from './pages/messages.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { ResetPage } from './pages/reset.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { SignUpPage } from './pages/sign-up.tsx';
import { VerifyPage } from './pages/verify.tsx';
import { useLocation } from './router.tsx';
import { SessionProvider } from './session.tsx';

const PAGES: Readonly<Record<string, () => ReactNode>> = {
  '/': () => <HomePage />,
  '/sign-in': () => <SignInPage />,
  '/sign-up': () => <SignUpPage />,
  '/forgot': () => <ForgotPage />,
  '/reset': () => <ResetPage />,
  '/verify': () => <VerifyPage />,
  '/guide': () => <GuidePage />,
  '/faq': () => <FaqPage />,
  '/about': () => <AboutPage />,
  '/contact': () => <ContactPage />,
  '/messages': () => <MessagesPage />,
  '/settings': () => <SettingsPage />,
  '/admin': () => <AdminPage />,
};

function Page({ pathname }: { readonly pathname: string }) {
  const message = /^\/messages\/([^/]+)$/.exec(pathname)?.[1];
  if (message !== undefined) return <MessagePage queueId={decodeURIComponent(message)} />;
  const page = PAGES[pathname];
  return page ? page() : <NotFoundPage />;
}

/** The console: one page per path, focus moved to the content on every navigation. */
export function App() {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    // Screen readers and keyboards start at the new page's content, not at the old focus.
    if (first.current) first.current = false;
    else document.getElementById('main')?.focus();
  }, [pathname]);
  return (
    <SessionProvider>
      <Layout>
        <Page pathname={pathname} />
      </Layout>
    </SessionProvider>
  );
}
