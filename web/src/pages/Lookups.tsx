// Titles, contacts and predefined order messages: small lists edited in place.
import { useState, type FormEvent, type ReactNode } from "react";
import { del, get, patch, post, type Page } from "../lib/api";
import { CheckboxField, ConfirmDialog, ErrorBox, fieldErrors, SelectField, TextArea, TextField, useLoad, YesNo } from "../lib/components";
import { DataList } from "../lib/DataList";
import { useI18n } from "../lib/i18n";
import type { Contact, OrderMessage, Title } from "../lib/types";

interface FieldSpec {
  name: string;
  label: string;
  kind: "text" | "email" | "textarea" | "checkbox" | "select";
  options?: { value: string; label: string }[];
  required?: boolean;
}

interface CrudProps<T extends { id: string }> {
  title: string;
  intro: string;
  path: string;
  fields: FieldSpec[];
  columns: { label: string; cell: (item: T) => ReactNode }[];
  canDelete?: (item: T) => boolean;
  empty: Record<string, string | boolean>;
}

function CrudPage<T extends { id: string }>(props: CrudProps<T>) {
  const { t } = useI18n();
  const list = useLoad((signal) => get<Page<T>>(props.path, { limit: 200 }, signal), [props.path]);
  const [editing, setEditing] = useState<{ id: string | null; values: Record<string, string | boolean> } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<T | null>(null);
  const errors = fieldErrors(error);

  function open(item: T | null) {
    setError(null);
    if (!item) return setEditing({ id: null, values: { ...props.empty } });
    const values: Record<string, string | boolean> = {};
    for (const field of props.fields) {
      const value = (item as Record<string, unknown>)[field.name];
      values[field.name] = typeof value === "boolean" ? value : value == null ? "" : String(value);
    }
    setEditing({ id: item.id, values });
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!editing) return;
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = {};
    for (const field of props.fields) {
      const value = editing.values[field.name];
      body[field.name] = field.kind === "email" && value === "" ? null : value;
    }
    try {
      if (editing.id) await patch(`${props.path}/${encodeURIComponent(editing.id)}`, body);
      else await post(props.path, body);
      setEditing(null);
      list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!deleting) return;
    setBusy(true);
    try {
      await del(`${props.path}/${encodeURIComponent(deleting.id)}`);
      setDeleting(null);
      list.reload();
    } catch (caught) {
      setDeleting(null);
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const setValue = (name: string, value: string | boolean) =>
    setEditing((e) => (e ? { ...e, values: { ...e.values, [name]: value } } : e));

  return (
    <section>
      <hgroup className="page-title">
        <h1>{props.title}</h1>
        <p>{props.intro}</p>
      </hgroup>
      <div className="toolbar">
        <button type="button" onClick={() => open(null)}>{t("Add new")}</button>
      </div>
      {!editing && <ErrorBox error={error} />}
      {editing && (
        <article>
          <form onSubmit={save} noValidate aria-label={editing.id ? t("Edit") : t("Add new")}>
            <ErrorBox error={error} shownFields={props.fields.map((f) => f.name)} />
            {props.fields.map((field) => {
              const value = editing.values[field.name];
              const common = { label: t(field.label), name: field.name, required: field.required, error: errors[field.name] };
              let input: ReactNode;
              if (field.kind === "checkbox") input = <CheckboxField {...common} checked={Boolean(value)} onChange={(v) => setValue(field.name, v)} />;
              else if (field.kind === "textarea") input = <TextArea {...common} value={String(value ?? "")} onChange={(v) => setValue(field.name, v)} />;
              else if (field.kind === "select")
                input = <SelectField {...common} value={String(value ?? "")} options={(field.options ?? []).map((o) => ({ ...o, label: t(o.label) }))} onChange={(v) => setValue(field.name, v)} />;
              else input = <TextField {...common} type={field.kind === "email" ? "email" : "text"} value={String(value ?? "")} onChange={(v) => setValue(field.name, v)} />;
              return <div key={field.name}>{input}</div>;
            })}
            <div className="form-actions">
              <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Save")}</button>
              <button type="button" className="secondary outline" onClick={() => setEditing(null)}>{t("Cancel")}</button>
            </div>
          </form>
        </article>
      )}
      <DataList
        list={list}
        columns={[...props.columns.map((c) => t(c.label)), t("Actions")]}
        row={(item) => (
          <tr key={item.id}>
            {props.columns.map((c) => <td key={c.label}>{c.cell(item)}</td>)}
            <td className="actions">
              <button type="button" className="small secondary outline" onClick={() => open(item)}>{t("Edit")}</button>
              {(props.canDelete?.(item) ?? true) && (
                <button type="button" className="small secondary outline danger" onClick={() => setDeleting(item)}>{t("Delete")}</button>
              )}
            </td>
          </tr>
        )}
        empty={t("Nothing here yet.")}
      />
      <ConfirmDialog open={deleting !== null} title={t("Delete this item?")} confirmLabel={t("Delete")} busy={busy} onConfirm={remove} onCancel={() => setDeleting(null)} />
    </section>
  );
}

export function TitlesPage() {
  const { t } = useI18n();
  const gender = { male: "Male", female: "Female", neutral: "Neutral" } as const;
  return (
    <CrudPage<Title>
      title={t("Titles")}
      intro={t("Social titles customers choose from (Mr, Mrs…).")}
      path="/admin/titles"
      empty={{ name: "", gender: "neutral" }}
      fields={[
        { name: "name", label: "Name", kind: "text", required: true },
        { name: "gender", label: "Gender", kind: "select", options: [{ value: "male", label: "Male" }, { value: "female", label: "Female" }, { value: "neutral", label: "Neutral" }] },
      ]}
      columns={[
        { label: "Name", cell: (x) => x.name },
        { label: "Gender", cell: (x) => t(gender[x.gender]) },
      ]}
      canDelete={(x) => !x.is_default}
    />
  );
}

export function ContactsPage() {
  const { t } = useI18n();
  return (
    <CrudPage<Contact>
      title={t("Contacts")}
      intro={t("Who customers can write to from the contact form; each contact has its own box in customer service.")}
      path="/admin/contacts"
      empty={{ name: "", email: "", save_messages: true, description: "", hidden: false }}
      fields={[
        { name: "name", label: "Name", kind: "text", required: true },
        { name: "email", label: "E-mail", kind: "email" },
        { name: "save_messages", label: "Save messages", kind: "checkbox" },
        { name: "description", label: "Description", kind: "textarea" },
        { name: "hidden", label: "Hidden from the storefront", kind: "checkbox" },
      ]}
      columns={[
        { label: "Name", cell: (x) => x.name },
        { label: "E-mail", cell: (x) => x.email ?? "—" },
        { label: "Save messages", cell: (x) => <YesNo value={x.save_messages} /> },
        { label: "Description", cell: (x) => x.description },
        { label: "Threads", cell: (x) => x.thread_count },
      ]}
      canDelete={(x) => !x.is_default}
    />
  );
}

export function OrderMessagesPage() {
  const { t } = useI18n();
  return (
    <CrudPage<OrderMessage>
      title={t("Order messages")}
      intro={t("Predefined messages to send to customers about their orders.")}
      path="/admin/order-messages"
      empty={{ name: "", message: "" }}
      fields={[
        { name: "name", label: "Name", kind: "text", required: true },
        { name: "message", label: "Message", kind: "textarea", required: true },
      ]}
      columns={[
        { label: "Name", cell: (x) => x.name },
        { label: "Message", cell: (x) => x.message },
      ]}
    />
  );
}

