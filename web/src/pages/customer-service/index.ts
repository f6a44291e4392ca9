// Customer service, one page per file; app.tsx routes to these.
export { MailboxPage } from "./Mailbox";
export { CustomerServicePage } from "./Overview";
export { ThreadListPage } from "./ThreadList";
export { ThreadViewPage } from "./ThreadView";
export { UnprocessedPage } from "./Unprocessed";
