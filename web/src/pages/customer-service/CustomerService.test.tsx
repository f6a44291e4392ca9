import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Thread, ThreadView } from "../../lib/types";
import { UnverifiedSender } from "./shared";
import { ReplyForm } from "./ThreadForms";

const thread: Thread = {
  id: "T1", contact_id: "customer-service", customer_id: null, email: "ana@example.com", order_id: null, product_id: null,
  status: "open", subject: "Parcel", unread: false, assigned_employee_id: null, created_at: "2026-01-01T10:00:00Z",
  updated_at: "2026-01-01T10:00:00Z", last_message_at: "2026-01-01T10:00:00Z", last_message_from: "customer", message_count: 1, tag: "abc",
  sender_verified: false,
};
const view: ThreadView = {
  thread, messages: [], events: [], customer: null, timeline: [],
  reply_defaults: { default_message: "Hello,", order_messages: [{ id: "shipped", name: "Shipped", message: "Your order has shipped." }] },
};

afterEach(() => vi.unstubAllGlobals());

describe("ReplyForm", () => {
  it("starts with the default message, inserts a predefined one and sends once with an Idempotency-Key", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id: "M2" }), { status: 201, headers: { "Content-Type": "application/json" } }));
    vi.stubGlobal("fetch", fetch);
    const onSent = vi.fn();
    render(<ReplyForm thread={thread} view={view} onSent={onSent} />);
    const box = screen.getByRole("textbox", { name: /Your reply/ }) as HTMLTextAreaElement;
    expect(box.value).toBe("Hello,");
    await userEvent.selectOptions(screen.getByLabelText("Insert a predefined message"), "shipped");
    expect(box.value).toBe("Hello,\n\nYour order has shipped.");
    await userEvent.click(screen.getByRole("button", { name: "Send the reply" }));
    expect(onSent).toHaveBeenCalledOnce();
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/admin/threads/T1/reply");
    expect(JSON.parse(String(init.body))).toEqual({ message: "Hello,\n\nYour order has shipped." });
    expect((init.headers as Record<string, string>)["Idempotency-Key"]).toBeTruthy();
    expect(box.value).toBe("Hello,");
    expect(screen.getByRole("status").textContent).toContain("Reply sent.");
  });

  it("refuses an empty reply without calling the API, and shows the API's error next to the field", async () => {
    const fetch = vi.fn(async () =>
      new Response(JSON.stringify({ Code: "InvalidInput", Message: "The reply is not valid.", Fields: { message: "too long for the mail server" } }), { status: 400 }),
    );
    vi.stubGlobal("fetch", fetch);
    render(<ReplyForm thread={thread} view={{ ...view, reply_defaults: { default_message: "", order_messages: [] } }} onSent={vi.fn()} />);
    await userEvent.click(screen.getByRole("button", { name: "Send the reply" }));
    expect(fetch).not.toHaveBeenCalled();
    const box = screen.getByRole("textbox", { name: /Your reply/ });
    expect(box.getAttribute("aria-invalid")).toBe("true");
    await userEvent.type(box, "Thanks");
    await userEvent.click(screen.getByRole("button", { name: "Send the reply" }));
    expect(await screen.findByText("too long for the mail server")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("The reply is not valid.");
  });
});

describe("UnverifiedSender", () => {
  it("marks a thread an anonymous contact-form post opened, with the reason on hover", () => {
    render(<UnverifiedSender />);
    const badge = screen.getByText("Sender not verified");
    expect(badge.getAttribute("title")).toContain("not proven");
  });
});
