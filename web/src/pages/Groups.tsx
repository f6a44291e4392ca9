import { useEffect, useState, type FormEvent } from "react";
import { Link, useLocation } from "wouter";
import { del, get, patch, post, put, type Page } from "../lib/api";
import { CheckboxField, ConfirmDialog, ErrorBox, fieldErrors, Loading, SelectField, TextField, useCursorPager, useLoad, YesNo } from "../lib/components";
import { DataList } from "../lib/DataList";
import { useI18n } from "../lib/i18n";
import type { Customer, Group } from "../lib/types";

export function GroupsPage() {
  const { t } = useI18n();
  const list = useLoad((signal) => get<Page<Group>>("/admin/groups", { limit: 200 }, signal), []);
  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Customer groups")}</h1>
        <p>{t("Reductions and price display per group of customers.")}</p>
      </hgroup>
      <div className="toolbar">
        <Link href="/groups/new" role="button">{t("Add new group")}</Link>
      </div>
      <DataList
        list={list}
        columns={[t("Name"), t("Discount (%)"), t("Members"), t("Price display"), t("Show prices"), t("Category reductions"), t("Payment methods"), t("Carriers"), t("Actions")]}
        row={(g) => (
          <tr key={g.id}>
            <td>{g.name}{g.is_default ? ` (${t("default")})` : ""}</td>
            <td>{g.reduction_percent}</td>
            <td>{g.member_count}</td>
            <td>{g.price_display === "tax_incl" ? t("Tax included") : t("Tax excluded")}</td>
            <td><YesNo value={g.show_prices} /></td>
            <td>{g.category_reductions.length}</td>
            <td>{g.payment_methods.length ? g.payment_methods.join(", ") : t("All")}</td>
            <td>{g.carriers.length ? g.carriers.join(", ") : t("All")}</td>
            <td><Link href={`/groups/${g.id}`}>{t("Edit")}</Link></td>
          </tr>
        )}
        empty={t("No group.")}
      />
    </section>
  );
}

interface GroupForm {
  name: string;
  reduction_percent: string;
  price_display: "tax_incl" | "tax_excl";
  show_prices: boolean;
  category_reductions: { category_id: string; reduction_percent: string }[];
  payment_methods: string;
  carriers: string;
}

/** The ids typed in a restriction field, separated by commas or new lines ("" = no restriction). */
export function restrictionIds(text: string): string[] {
  return text.split(/[,\n]/).map((id) => id.trim()).filter(Boolean);
}

/** The first error the API gave for a list field or one of its items (`carriers.3`). */
function listError(errors: Record<string, string>, name: string): string | undefined {
  return errors[name] ?? Object.entries(errors).find(([key]) => key.startsWith(`${name}.`))?.[1];
}

export function GroupFormPage({ id }: { id?: string }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const [group, setGroup] = useState<Group | null>(null);
  const [form, setForm] = useState<GroupForm>({ name: "", reduction_percent: "0", price_display: "tax_incl", show_prices: true, category_reductions: [], payment_methods: "", carriers: "" });
  const [loadError, setLoadError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);

  useEffect(() => {
    if (!id) return;
    get<Group>(`/admin/groups/${encodeURIComponent(id)}`).then((found) => {
      setGroup(found);
      setForm({
        name: found.name,
        reduction_percent: found.reduction_percent,
        price_display: found.price_display,
        show_prices: found.show_prices,
        category_reductions: found.category_reductions.map((c) => ({ ...c })),
        payment_methods: found.payment_methods.join(", "),
        carriers: found.carriers.join(", "),
      });
    }, setLoadError);
  }, [id]);

  if (loadError) return <ErrorBox error={loadError} />;
  if (id && !group) return <Loading />;
  const errors = fieldErrors(error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        ...form,
        category_reductions: form.category_reductions.filter((c) => c.category_id.trim()),
        payment_methods: restrictionIds(form.payment_methods),
        carriers: restrictionIds(form.carriers),
      };
      if (id) await patch(`/admin/groups/${encodeURIComponent(id)}`, body);
      else await post("/admin/groups", body);
      navigate("/groups");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    try {
      await del(`/admin/groups/${encodeURIComponent(id ?? "")}`);
      navigate("/groups");
    } catch (caught) {
      setDeleting(false);
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const setRow = (index: number, key: "category_id" | "reduction_percent", value: string) =>
    setForm((f) => ({ ...f, category_reductions: f.category_reductions.map((row, i) => (i === index ? { ...row, [key]: value } : row)) }));

  return (
    <section>
      <nav aria-label={t("Breadcrumb")}><ul><li><Link href="/groups">{t("Customer groups")}</Link></li></ul></nav>
      <h1>{id ? t("Edit group") : t("New group")}</h1>
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} shownFields={Object.keys(errors)} />
        <div className="grid">
          <TextField label={t("Name")} name="name" value={form.name} onChange={(v) => setForm((f) => ({ ...f, name: v }))} required error={errors.name} />
          <TextField label={t("Discount (%)")} name="reduction_percent" inputMode="decimal" value={form.reduction_percent} onChange={(v) => setForm((f) => ({ ...f, reduction_percent: v }))} error={errors.reduction_percent} />
          <SelectField
            label={t("Price display")}
            name="price_display"
            value={form.price_display}
            onChange={(v) => setForm((f) => ({ ...f, price_display: v === "tax_excl" ? "tax_excl" : "tax_incl" }))}
            options={[{ value: "tax_incl", label: t("Tax included") }, { value: "tax_excl", label: t("Tax excluded") }]}
            error={errors.price_display}
          />
        </div>
        <CheckboxField label={t("Show prices")} name="show_prices" role="switch" checked={form.show_prices} onChange={(v) => setForm((f) => ({ ...f, show_prices: v }))} />
        <fieldset>
          <legend>{t("Category reductions")}</legend>
          {form.category_reductions.map((row, index) => (
            <div className="grid row-inputs" key={index}>
              <TextField label={t("Category ID")} name={`category_reductions.${index}.category_id`} value={row.category_id} onChange={(v) => setRow(index, "category_id", v)} error={errors[`category_reductions.${index}.category_id`]} />
              <TextField label={t("Discount (%)")} name={`category_reductions.${index}.reduction_percent`} inputMode="decimal" value={row.reduction_percent} onChange={(v) => setRow(index, "reduction_percent", v)} error={errors[`category_reductions.${index}.reduction_percent`]} />
              <button type="button" className="secondary outline" onClick={() => setForm((f) => ({ ...f, category_reductions: f.category_reductions.filter((_, i) => i !== index) }))}>
                {t("Remove")}
              </button>
            </div>
          ))}
          {errors.category_reductions && <small className="field-error">{errors.category_reductions}</small>}
          <button type="button" className="secondary" onClick={() => setForm((f) => ({ ...f, category_reductions: [...f.category_reductions, { category_id: "", reduction_percent: "0" }] }))}>
            {t("Add a category reduction")}
          </button>
        </fieldset>
        <fieldset>
          <legend>{t("Restrictions")}</legend>
          <p>{t("The payment methods and carriers this group may use, as the shop names them, separated by commas. Empty: all of them. A customer in several groups may use what any of them allows.")}</p>
          <div className="grid">
            <TextField label={t("Payment methods")} name="payment_methods" value={form.payment_methods} onChange={(v) => setForm((f) => ({ ...f, payment_methods: v }))} placeholder={t("All")} error={listError(errors, "payment_methods")} />
            <TextField label={t("Carriers")} name="carriers" value={form.carriers} onChange={(v) => setForm((f) => ({ ...f, carriers: v }))} placeholder={t("All")} error={listError(errors, "carriers")} />
          </div>
        </fieldset>
        <div className="form-actions">
          <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Save")}</button>
          {group && !group.is_default && (
            <button type="button" className="secondary outline danger" onClick={() => setDeleting(true)}>{t("Delete")}</button>
          )}
          <Link href="/groups">{t("Cancel")}</Link>
        </div>
      </form>
      {group && <Members group={group} />}
      <ConfirmDialog open={deleting} title={t("Delete this group?")} confirmLabel={t("Delete")} busy={busy} onConfirm={remove} onCancel={() => setDeleting(false)} />
    </section>
  );
}

function Members({ group }: { group: Group }) {
  const { t } = useI18n();
  const pager = useCursorPager();
  const members = useLoad(
    (signal) => get<Page<Customer>>(`/admin/groups/${encodeURIComponent(group.id)}/members`, { limit: 50, cursor: pager.cursor }, signal),
    [group.id, pager.cursor],
  );
  const [customerId, setCustomerId] = useState("");
  const [error, setError] = useState<unknown>(null);

  async function change(call: Promise<unknown>) {
    setError(null);
    try {
      await call;
      setCustomerId("");
      members.reload();
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <article aria-labelledby="members-h">
      <h2 id="members-h">{t("Members")}</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (customerId.trim()) void change(put(`/admin/groups/${encodeURIComponent(group.id)}/members/${encodeURIComponent(customerId.trim())}`));
        }}
      >
        <fieldset role="group">
          <input aria-label={t("Customer ID")} placeholder={t("Customer ID")} value={customerId} onChange={(e) => setCustomerId(e.target.value)} />
          <button type="submit">{t("Add member")}</button>
        </fieldset>
      </form>
      <ErrorBox error={error} />
      <DataList
        list={members}
        columns={[t("Name"), t("E-mail"), t("Actions")]}
        row={(c) => (
          <tr key={c.id}>
            <td><Link href={`/customers/${c.id}`}>{c.first_name} {c.last_name}</Link></td>
            <td>{c.email}</td>
            <td>
              <button type="button" className="small secondary outline" onClick={() => void change(del(`/admin/groups/${encodeURIComponent(group.id)}/members/${encodeURIComponent(c.id)}`))}>
                {t("Remove")}
              </button>
            </td>
          </tr>
        )}
        empty={t("No member.")}
        pager={pager}
      />
    </article>
  );
}
