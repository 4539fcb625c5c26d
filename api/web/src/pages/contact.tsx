import { useSession } from '../session.tsx';

export function ContactPage() {
  const { settings } = useSession();
  const name = settings?.displayName ?? 'Zajoni';
  return (
    <article className="prose">
      <h1>Contact</h1>
      <p>
        For help with your account, write to the postmaster of the domain this console runs on (for
        example <code>postmaster@{settings?.smtpHost ?? 'this host'}</code>). Please include the
        queue id of the message you are asking about: it is on your receipt and on the
        message&apos;s page here.
      </p>
      <p>
        If a recipient says a message did not arrive, send them its record (download it from the
        message&apos;s page): their administrator can find it by the queue id their server gave.
      </p>
      <p>{name} never asks for your password by mail.</p>
    </article>
  );
}
