import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { SafeHtmlFrame } from "./SafeHtml";

describe("SafeHtmlFrame", () => {
  it("keeps message HTML out of the app's document, in a fully sandboxed frame", () => {
    const html = '<p>Hello</p><img src=x onerror="alert(1)"><script>alert(2)</script>';
    const { container } = render(<SafeHtmlFrame html={html} />);
    const frame = container.querySelector("iframe");
    expect(frame?.getAttribute("sandbox")).toBe("");
    expect(frame?.getAttribute("srcdoc")).toContain("<p>Hello</p>");
    expect(frame?.getAttribute("srcdoc")).toContain("default-src 'none'");
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
  });
});
