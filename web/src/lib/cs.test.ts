import { describe, expect, it } from "vitest";
import {
  EMPTY_THREAD_FILTERS,
  formatBytes,
  formatDuration,
  forwardErrors,
  forwardPayload,
  imapErrors,
  imapFieldErrors,
  imapFormFrom,
  imapPayload,
  initialReply,
  insertMessage,
  replyErrors,
  threadQuery,
} from "./cs";

describe("thread list query", () => {
  it("leaves empty filters out and sends 'assigned to me' as my id", () => {
    expect(threadQuery(EMPTY_THREAD_FILTERS, "E1", { limit: 50, cursor: null })).toEqual({ limit: 50, cursor: null });
    const query = threadQuery({ contact_id: "webmaster", status: "pending1", unread: "1", email: " a@b.co ", customer_id: "", mine: true }, "E1", { limit: 50, cursor: "c2" });
    expect(query).toMatchObject({ contact_id: "webmaster", status: "pending1", unread: "1", email: "a@b.co", assigned_employee_id: "E1", cursor: "c2" });
    expect(query.customer_id).toBeUndefined();
  });
});

describe("reply form", () => {
  it("starts with the shop's default message", () => {
    expect(initialReply({ default_message: "Hello,", order_messages: [] })).toBe("Hello,");
    expect(initialReply(null)).toBe("");
  });

  it("inserts a predefined message as its own paragraph, at the caret or at the end", () => {
    expect(insertMessage("", "Your order ships today.")).toEqual({ text: "Your order ships today.", caret: 23 });
    expect(insertMessage("Hello,\n", "Shipped.").text).toBe("Hello,\n\nShipped.");
    const inserted = insertMessage("Hello,\nRegards", "Shipped.", 7);
    expect(inserted.text).toBe("Hello,\n\nShipped.\n\nRegards");
    expect(inserted.text.slice(0, inserted.caret)).toBe("Hello,\n\nShipped.");
    expect(insertMessage("Hi", "X", 99).text).toBe("Hi\n\nX");
  });

  it("needs some text, 10,000 characters at most", () => {
    expect(replyErrors("  \n")).toHaveProperty("message");
    expect(replyErrors("x".repeat(10_001))).toHaveProperty("message");
    expect(replyErrors("Thanks")).toEqual({});
  });
});

describe("forward form", () => {
  it("sends either the employee or the address with its comment", () => {
    expect(forwardErrors({ to: "employee", employee_id: "", email: "", comment: "" })).toHaveProperty("employee_id");
    expect(forwardPayload({ to: "employee", employee_id: "E2", email: "x@y.z", comment: "c" })).toEqual({ employee_id: "E2" });
    expect(forwardErrors({ to: "email", employee_id: "", email: "nope", comment: "" })).toHaveProperty("email");
    expect(forwardPayload({ to: "email", employee_id: "E2", email: " a@b.co ", comment: " see below " })).toEqual({ email: "a@b.co", comment: "see below" });
    expect(forwardPayload({ to: "email", employee_id: "", email: "a@b.co", comment: "  " })).toEqual({ email: "a@b.co" });
  });
});

describe("IMAP / POP3 settings form", () => {
  const stored = { url: "mail.example.com", port: 995, user: "support", pop3: true, ssl: true, tls: false, notls: false, validate_cert: false, novalidate_cert: true, norsh: false, delete_messages: true, create_new_threads: true, mailbox: "INBOX" };

  it("maps the settings document to the form and back, every option explicit", () => {
    const form = imapFormFrom(stored);
    expect(form).toMatchObject({ url: "mail.example.com", port: "995", user: "support", protocol: "pop3", mailbox: "INBOX" });
    expect(form.options.novalidate_cert).toBe(true);
    expect(imapPayload(form)).toEqual({ customer_service: { imap: stored } });
  });

  it("shows an unset port as empty and sends it as 0; IMAP is pop3: false", () => {
    const form = imapFormFrom({ url: "", port: 0, user: "", mailbox: "" });
    expect(form.port).toBe("");
    expect(form.protocol).toBe("imap");
    const imap = imapPayload(form).customer_service.imap;
    expect(imap).toMatchObject({ port: 0, pop3: false, mailbox: "INBOX", ssl: false });
  });

  it("checks the port, the user and contradictory options before sending", () => {
    const form = imapFormFrom(stored);
    expect(imapErrors(form)).toEqual({});
    expect(imapErrors({ ...form, port: "70000" })).toHaveProperty("port");
    expect(imapErrors({ ...form, user: "" })).toHaveProperty("user");
    expect(imapErrors({ ...form, options: { ...form.options, tls: true, notls: true } })).toHaveProperty("notls");
  });

  it("puts the API's field errors next to the form's fields", () => {
    expect(imapFieldErrors({ "customer_service.imap.port": "too big", "customer_service.imap.pop3": "bad" })).toEqual({ port: "too big", protocol: "bad" });
  });
});

describe("formatting", () => {
  it("sizes and durations", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(2048)).toBe("2.0 KB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.0 MB");
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(3725)).toBe("1 h 2 min");
    expect(formatDuration(3 * 86400)).toBe("3 d 0 h");
  });
});
