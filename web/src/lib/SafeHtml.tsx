// Message HTML (customer service, later) is shown only as the API's sanitised HTML, and even then
// only inside a sandboxed frame: no scripts, no same-origin access, no forms, no top navigation.
// Nothing from the API is ever inserted as raw HTML into the app's own document.
import { useI18n } from "./i18n";

const FRAME_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export function frameDocument(html: string): string {
  // The frame gets its own restrictive policy too, in case the sandbox attribute is ever loosened.
  return `<!doctype html><meta http-equiv="Content-Security-Policy" content="${FRAME_POLICY}"><base target="_blank">${html}`;
}

export function SafeHtmlFrame({ html, title }: { html: string; title?: string }) {
  const { t } = useI18n();
  return <iframe className="message-html" sandbox="" referrerPolicy="no-referrer" title={title ?? t("Message")} srcDoc={frameDocument(html)} />;
}
