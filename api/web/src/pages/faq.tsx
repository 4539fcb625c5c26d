import { useSession } from '../session.tsx';

/** What a confirmation proves, what happens after acceptance, limits and privacy. */
export function FaqPage() {
  const { settings } = useSession();
  const limit = settings?.dailyLimit ?? 50;
  const days = settings?.retentionDays ?? 90;
  return (
    <article className="prose">
      <h1>Frequently asked questions</h1>

      <h2>What does a confirmation prove?</h2>
      <p>
        That the recipient&apos;s mail server (the one its domain names in DNS as its mail
        exchanger, MX) accepted your message at a given time, in its own words: its reply to the end
        of the message, usually with its own queue id. The record also shows whether the connection
        was encrypted and which certificate the server showed.
      </p>

      <h2>What does it not prove?</h2>
      <p>
        It does not prove that a person read the message, nor that it reached their inbox rather
        than a spam folder. It does not prove what the message said to anyone but you: the record
        holds a fingerprint (SHA-256) of the message as sent, so you can show that a copy you kept
        is the one that was sent.
      </p>

      <h2>Why can a message be accepted and still not reach the person?</h2>
      <p>
        Acceptance ends our part. Afterwards the recipient&apos;s server may file the message as
        spam, quarantine it, forward it elsewhere, or drop it by its own rules; the mailbox may be
        full or the person may have left. None of that is visible to the sender. The queue id in the
        record lets the recipient&apos;s administrator look the message up in their logs.
      </p>

      <h2>How many messages can I send?</h2>
      <p>
        {limit} in any 24 hours. The count rolls: a slot frees 24 hours after the message that took
        it. Your sent-messages page shows how many you have left and when the next slot frees. A
        message over the limit is refused by the server, so your mail program tells you at once.
      </p>

      <h2>What is stored, and for how long?</h2>
      <p>
        For each message: the envelope (your address and the recipients&apos;), the subject, the
        Message-ID, the size and the SHA-256 fingerprint, and the full SMTP record of every delivery
        attempt. The body of the message is kept only until it is delivered or given up on. Records
        are deleted after {days} days. Your password is stored only as an argon2id hash, and tokens
        only as their SHA-256.
      </p>

      <h2>Can I turn the receipts off?</h2>
      <p>
        Yes, under Settings. The records are still kept here, so you can look a message up later.
      </p>
    </article>
  );
}
