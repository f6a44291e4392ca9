import { useState, type FormEvent } from "react";
import { Link } from "wouter";
import { get, type Page } from "../lib/api";
import { exportCustomers } from "./Imports";
import { Empty, ErrorBox, Loading, Pager, StatusBadge, useCursorPager, useLoad, YesNo } from "../lib/components";
import { customerQuery, EMPTY_FILTERS, nextSort, sortState, type CustomerFilters } from "../lib/forms";
import { useI18n } from "../lib/i18n";
import { useAuth } from "../lib/session";
import type { Customer, Group, SearchResult, Title } from "../lib/types";

// The list's filters survive going to a customer and back (module state, this tab only).
let remembered: { filters: CustomerFilters; sort: string; limit: number } = { filters: EMPTY_FILTERS, sort: "id", limit: 50 };

export function ageOf(birthday: string | null, today = new Date()): number | null {
  if (!birthday) return null;
  const [y, m, d] = birthday.split("-").map(Number);
  if (!y || !m || !d) return null;
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d)) age -= 1;
  return age;
}

export function useLookups() {
  return useLoad(
    async (signal) => {
      const [titles, groups] = await Promise.all([
        get<Page<Title>>("/admin/titles", undefined, signal),
        get<Page<Group>>("/admin/groups", { limit: 200 }, signal),
      ]);
      return { titles: titles.items, groups: groups.items };
    },
    [],
  );
}

export function CustomersPage() {
  const { t, date, dateTime } = useI18n();
  const auth = useAuth();
  const b2b = auth.settings?.b2b_mode ?? false;
  const [draft, setDraft] = useState<CustomerFilters>(remembered.filters);
  const [filters, setFilters] = useState<CustomerFilters>(remembered.filters);
  const [sort, setSort] = useState(remembered.sort);
  const [limit, setLimit] = useState(remembered.limit);
  const pager = useCursorPager();
  const [search, setSearch] = useState({ q: "", by: "all" });
  const [searched, setSearched] = useState<{ q: string; by: string } | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  remembered = { filters, sort, limit };

  const lookups = useLookups();
  const titles = lookups.data?.titles ?? [];
  const groups = lookups.data?.groups ?? [];
  const titleName = (id: string | null) => titles.find((title) => title.id === id)?.name ?? "—";

  const list = useLoad(
    (signal) => get<Page<Customer>>("/admin/customers", customerQuery(filters, sort, { limit, cursor: pager.cursor }), signal),
    [filters, sort, limit, pager.cursor],
  );
  const found = useLoad(
    (signal) =>
      searched ? get<Page<SearchResult>>("/admin/search", { q: searched.q, by: searched.by, limit: 50 }, signal) : Promise.resolve(null),
    [searched],
  );

  function applyFilters(event?: FormEvent) {
    event?.preventDefault();
    pager.reset();
    setFilters({ ...draft });
  }
  function resetFilters() {
    pager.reset();
    setDraft(EMPTY_FILTERS);
    setFilters(EMPTY_FILTERS);
  }
  function sortBy(column: string) {
    pager.reset();
    setSort((current) => nextSort(current, column));
  }
  function set<K extends keyof CustomerFilters>(key: K) {
    return (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  }
  async function exportCsv() {
    setExporting(true);
    setExportError(null);
    try {
      const url = await exportCustomers(customerQuery(filters, sort), () => undefined);
      if (url) window.location.assign(url);
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  }

  const activeFilters = Object.values(filters).filter(Boolean).length;
  const yesNo = [
    { value: "", label: t("Any") },
    { value: "1", label: t("Yes") },
    { value: "0", label: t("No") },
  ];

  function header(column: string, label: string) {
    const state = sortState(sort, column);
    return (
      <th scope="col" aria-sort={state} key={column}>
        <button type="button" className="sort" onClick={() => sortBy(column)} title={t("Sort by {column}", { column: label })}>
          {label}
          <span aria-hidden="true">{state === "ascending" ? " ▲" : state === "descending" ? " ▼" : ""}</span>
        </button>
      </th>
    );
  }

  function filterSelect(name: keyof CustomerFilters, label: string, options: { value: string; label: string }[]) {
    return (
      <select aria-label={t("Filter: {field}", { field: label })} name={`filter-${name}`} value={draft[name]} onChange={(e) => set(name)(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  }
  function filterInput(name: keyof CustomerFilters, label: string, type = "text") {
    return (
      <input
        aria-label={t("Filter: {field}", { field: label })}
        name={`filter-${name}`}
        type={type}
        value={draft[name]}
        onChange={(e) => set(name)(e.target.value)}
        min={type === "number" ? 0 : undefined}
        max={type === "number" ? 150 : undefined}
      />
    );
  }

  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Customers")}</h1>
        <p>{t("Search, filter and sort the shop's customers.")}</p>
      </hgroup>
      <div className="toolbar">
        {auth.isAdmin && (
          <Link href="/customers/new" role="button">
            {t("Add new customer")}
          </Link>
        )}
        {auth.isAdmin && (
          <button type="button" className="secondary" onClick={exportCsv} aria-busy={exporting || undefined} disabled={exporting}>
            {activeFilters ? t("Export filtered list (CSV)") : t("Export (CSV)")}
          </button>
        )}
      </div>
      <ErrorBox error={exportError} />

      <form
        role="search"
        className="search-row"
        onSubmit={(e) => {
          e.preventDefault();
          setSearched(search.q.trim() ? { q: search.q.trim(), by: search.by } : null);
        }}
      >
        <fieldset role="group">
          <input
            type="search"
            name="q"
            aria-label={t("Search customers")}
            placeholder={t("Search by name, e-mail or IP")}
            value={search.q}
            onChange={(e) => setSearch((s) => ({ ...s, q: e.target.value }))}
          />
          <select aria-label={t("Search in")} name="by" value={search.by} onChange={(e) => setSearch((s) => ({ ...s, by: e.target.value }))}>
            <option value="all">{t("All")}</option>
            <option value="name">{t("Name")}</option>
            <option value="ip">{t("IP address")}</option>
          </select>
          <button type="submit">{t("Search")}</button>
        </fieldset>
      </form>

      {searched && (
        <article aria-labelledby="search-results">
          <header className="row-between">
            <h2 id="search-results">{t("Search results for “{q}”", { q: searched.q })}</h2>
            <button type="button" className="secondary outline" onClick={() => { setSearched(null); setSearch({ q: "", by: "all" }); }}>
              {t("Clear search")}
            </button>
          </header>
          {found.loading && <Loading />}
          <ErrorBox error={found.error} />
          {found.data && found.data.items.length === 0 && <Empty>{t("No customer matches.")}</Empty>}
          {found.data && found.data.items.length > 0 && (
            <div className="overflow-auto">
              <table className="striped">
                <thead>
                  <tr>
                    <th scope="col">{t("ID")}</th>
                    <th scope="col">{t("Title")}</th>
                    <th scope="col">{t("First name")}</th>
                    <th scope="col">{t("Last name")}</th>
                    <th scope="col">{t("E-mail")}</th>
                    <th scope="col">{t("Birthday")}</th>
                    <th scope="col">{t("Registration")}</th>
                    <th scope="col">{t("Orders")}</th>
                    <th scope="col">{t("Enabled")}</th>
                  </tr>
                </thead>
                <tbody>
                  {found.data.items.map((c) => (
                    <tr key={c.id}>
                      <td><Link href={`/customers/${c.id}`}>{c.id.slice(-8)}</Link></td>
                      <td>{c.title ?? "—"}</td>
                      <td>{c.first_name}</td>
                      <td>{c.last_name}</td>
                      <td>{c.email}</td>
                      <td>{date(c.birthday)}</td>
                      <td>{dateTime(c.registered_at)}</td>
                      <td>{c.orders_count}</td>
                      <td><YesNo value={c.enabled} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </article>
      )}

      <form onSubmit={applyFilters} aria-label={t("Customer list filters")}>
        <div className="overflow-auto">
          <table className="striped list" aria-busy={list.loading || undefined}>
            <caption className="visually-hidden">{t("Customers")}</caption>
            <thead>
              <tr>
                {header("id", t("ID"))}
                <th scope="col">{t("Title")}</th>
                {header("first_name", t("First name"))}
                {header("last_name", t("Last name"))}
                {header("email", t("E-mail"))}
                {header("age", t("Age"))}
                {b2b && <th scope="col">{t("Company")}</th>}
                <th scope="col">{t("Group")}</th>
                <th scope="col">{t("Enabled")}</th>
                <th scope="col">{t("Newsletter")}</th>
                <th scope="col">{t("Opt-in")}</th>
                <th scope="col">{t("Guest")}</th>
                <th scope="col">{t("Status")}</th>
                {header("registered_at", t("Registration"))}
                {header("last_visit_at", t("Last visit"))}
                <th scope="col">{t("Actions")}</th>
              </tr>
              <tr className="filters">
                <td>{filterInput("id", t("ID"))}</td>
                <td>
                  {filterSelect("title_id", t("Title"), [{ value: "", label: t("Any") }, ...titles.map((x) => ({ value: x.id, label: x.name }))])}
                </td>
                <td>{filterInput("first_name", t("First name"))}</td>
                <td>{filterInput("last_name", t("Last name"))}</td>
                <td>{filterInput("email", t("E-mail"))}</td>
                <td>
                  <div className="range">
                    {filterInput("age_min", t("Minimum age"), "number")}
                  {filterInput("age_max", t("Maximum age"), "number")}
                  </div>
                </td>
                {b2b && <td>{filterInput("company", t("Company"))}</td>}
                <td>
                  {filterSelect("group_id", t("Group"), [{ value: "", label: t("Any") }, ...groups.map((g) => ({ value: g.id, label: g.name }))])}
                </td>
                <td>{filterSelect("enabled", t("Enabled"), yesNo)}</td>
                <td>{filterSelect("newsletter", t("Newsletter"), yesNo)}</td>
                <td>{filterSelect("optin", t("Opt-in"), yesNo)}</td>
                <td>{filterSelect("is_guest", t("Guest"), yesNo)}</td>
                <td>
                  {filterSelect("status", t("Status"), [
                    { value: "", label: t("Any") },
                    { value: "active", label: t("active") },
                    { value: "pending_approval", label: t("pending_approval") },
                    { value: "disabled", label: t("disabled") },
                  ])}
                </td>
                <td>
                  <div className="range">
                    {filterInput("registered_from", t("Registered from"), "date")}
                  {filterInput("registered_to", t("Registered to"), "date")}
                  </div>
                </td>
                <td>
                  <div className="range">
                    {filterInput("last_visit_from", t("Last visit from"), "date")}
                  {filterInput("last_visit_to", t("Last visit to"), "date")}
                  </div>
                </td>
                <td className="actions">
                  <button type="submit" className="small">{t("Filter")}</button>
                  <button type="button" className="small secondary outline" onClick={resetFilters}>{t("Reset")}</button>
                </td>
              </tr>
            </thead>
            <tbody>
              {list.data?.items.map((c) => {
                const age = ageOf(c.birthday);
                return (
                  <tr key={c.id}>
                    <td><Link href={`/customers/${c.id}`} title={c.id}>{c.id.slice(-8)}</Link></td>
                    <td>{titleName(c.title_id)}</td>
                    <td>{c.first_name}</td>
                    <td>{c.last_name}</td>
                    <td className="email">{c.email}</td>
                    <td>{age ?? "—"}</td>
                    {b2b && <td>{c.company ?? "—"}</td>}
                    <td>{groups.find((g) => g.id === c.default_group_id)?.name ?? c.default_group_id ?? "—"}</td>
                    <td><YesNo value={c.enabled} /></td>
                    <td><YesNo value={c.newsletter} /></td>
                    <td><YesNo value={c.optin} /></td>
                    <td><YesNo value={c.is_guest} /></td>
                    <td><StatusBadge value={c.status} label={t(c.status)} /></td>
                    <td>{dateTime(c.registered_at)}</td>
                    <td>{dateTime(c.last_visit_at)}</td>
                    <td className="actions">
                      <Link href={`/customers/${c.id}`}>{t("View")}</Link>
                      {auth.isAdmin && <Link href={`/customers/${c.id}/edit`}>{t("Edit")}</Link>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </form>
      {list.loading && !list.data && <Loading />}
      <ErrorBox error={list.error} />
      {list.data && list.data.items.length === 0 && (
        <Empty>{activeFilters ? t("No customer matches these filters.") : t("No customers yet.")}</Empty>
      )}
      <div className="row-between">
        <Pager page={pager.page} nextCursor={list.data?.next_cursor} onNext={pager.next} onPrev={pager.prev} />
        <label className="inline">
          {t("Per page")}
          <select value={limit} onChange={(e) => { pager.reset(); setLimit(Number(e.target.value)); }}>
            {[20, 50, 100, 200].map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        </label>
      </div>
    </section>
  );
}
