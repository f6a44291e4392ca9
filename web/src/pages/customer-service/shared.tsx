// What every customer-service screen shares: the section's sub-menu, the status badge, the
// "Next unanswered" button and the unverified-sender mark.
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { ApiError, get } from "../../lib/api";
import { ErrorBox, StatusBadge } from "../../lib/components";
import { useI18n } from "../../lib/i18n";
import { THREAD_STATUS_LABELS, type Thread } from "../../lib/types";

export const STATUS_LABELS = THREAD_STATUS_LABELS;

/** Anyone can type any address into the contact form: such a thread's e-mail is only a claim, so
 *  staff should not share account or order details before the customer proves it (issue 16 §2.3). */
export function UnverifiedSender() {
  const { t } = useI18n();
  return (
    <span className="badge badge-unverified" title={t("Sent from the contact form without signing in: the e-mail address is not proven.")}>
      {t("Sender not verified")}
    </span>
  );
}

export function StatusLabel({ status }: { status: string }) {
  const { t } = useI18n();
  return <StatusBadge value={status} label={t(STATUS_LABELS[status] ?? status)} />;
}

export const SUMMARY_PATH = "/admin/customer-service/summary";

/** The customer-service sub-menu, on every screen of the section. */
export function CsNav() {
  const { t } = useI18n();
  const [location] = useLocation();
  const items = [
    { path: "/customer-service", label: t("Overview"), current: location === "/customer-service" },
    { path: "/customer-service/threads", label: t("Threads"), current: location.startsWith("/customer-service/threads") || location.startsWith("/customer-service/contact/") },
    { path: "/customer-service/mailbox", label: t("Mailbox"), current: location === "/customer-service/mailbox" },
    { path: "/customer-service/unprocessed", label: t("Unprocessed mail"), current: location === "/customer-service/unprocessed" },
  ];
  return (
    <nav aria-label={t("Customer service")} className="tabs">
      <ul>
        {items.map((item) => (
          <li key={item.path}>
            <Link href={item.path} aria-current={item.current ? "page" : undefined}>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** "Next unanswered": opens the oldest thread waiting for the shop; a 404 means none waits. */
export function NextUnanswered({ className }: { className?: string }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function open() {
    setBusy(true);
    setMessage(null);
    setError(null);
    try {
      const thread = await get<Thread>("/admin/threads/next-unanswered");
      navigate(`/customer-service/threads/${thread.id}`);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 404) setMessage(t("Nothing is waiting for an answer."));
      else setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className={className}>
      <button type="button" onClick={open} aria-busy={busy || undefined} disabled={busy}>
        {t("Next unanswered")}
      </button>
      <span role="status" className="muted">{message ? ` ${message}` : ""}</span>
      <ErrorBox error={error} />
    </span>
  );
}
