import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, get, loadSession, onUnauthorized, queryString, saveSession } from "./api";

const session = {
  token: "tok",
  expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  employee: { id: "e1", email: "a@example.com", first_name: "A", last_name: "B", role: "admin" as const, active: true, language: "en", created_at: "", updated_at: "" },
};

afterEach(() => vi.unstubAllGlobals());

describe("api client", () => {
  it("keeps the session in sessionStorage only, and drops an expired one", () => {
    saveSession(session);
    expect(loadSession()?.token).toBe("tok");
    expect(localStorage.length).toBe(0);
    saveSession({ ...session, expires_at: new Date(Date.now() - 1000).toISOString() });
    expect(loadSession()).toBeNull();
  });

  it("sends the bearer token and leaves empty filters out of the query", async () => {
    saveSession(session);
    const fetch = vi.fn(async () => new Response(JSON.stringify({ items: [], next_cursor: null }), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    await get("/admin/customers", { last_name: "alv", email: "", cursor: null, limit: 50 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/admin/customers?last_name=alv&limit=50");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
    expect(queryString({})).toBe("");
  });

  it("turns the API's error body into ApiError with its fields", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ Code: "BadRequest", Message: "Bad.", Fields: { email: "invalid" } }), { status: 400 })));
    const error = await get("/admin/customers").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).fields).toEqual({ email: "invalid" });
  });

  it("clears the session and calls the 401 handler when the token is refused", async () => {
    saveSession(session);
    const handler = vi.fn();
    onUnauthorized(handler);
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ Code: "Unauthenticated", Message: "No." }), { status: 401 })));
    await expect(get("/admin/customers")).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledOnce();
    expect(loadSession()).toBeNull();
  });
});
