import { useI18n } from "../lib/i18n";

/** Placeholder: the customer-service API routes (threads, replies, per-contact boxes, statistics)
 * are being built; this screen shows no data until they exist. */
export function CustomerServicePage() {
  const { t } = useI18n();
  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Customer service")}</h1>
        <p>{t("Coming soon")}</p>
      </hgroup>
      <article role="note">
        <p>{t("The customer service screens (threads by contact, replies, status legend and statistics) are coming: their API routes are being built.")}</p>
      </article>
    </section>
  );
}
