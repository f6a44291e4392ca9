import { useState, type FormEvent } from "react";
import { del, get, patch, post, type Page } from "../lib/api";
import type { Employee } from "../lib/types";
import { CheckboxField, ConfirmDialog, ErrorBox, fieldErrors, SelectField, TextField, useCursorPager, useLoad, YesNo } from "../lib/components";
import { DataList } from "../lib/DataList";
import { LANG_NAMES, LANGS, useI18n } from "../lib/i18n";
import { useAuth } from "../lib/session";

interface EmployeeForm {
  email: string;
  first_name: string;
  last_name: string;
  role: string;
  password: string;
  language: string;
  active: boolean;
}

export function EmployeesPage() {
  const { t, dateTime } = useI18n();
  const auth = useAuth();
  const pager = useCursorPager();
  const list = useLoad((signal) => get<Page<Employee>>("/admin/employees", { limit: 50, cursor: pager.cursor }, signal), [pager.cursor]);
  const [editing, setEditing] = useState<{ id: string | null; form: EmployeeForm } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<Employee | null>(null);
  const errors = fieldErrors(error);

  function open(employee: Employee | null) {
    setError(null);
    setEditing(
      employee
        ? { id: employee.id, form: { ...employee, password: "" } }
        : { id: null, form: { email: "", first_name: "", last_name: "", role: "support", password: "", language: "en", active: true } },
    );
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!editing) return;
    setBusy(true);
    setError(null);
    const { password, active, ...rest } = editing.form;
    try {
      if (editing.id) await patch(`/admin/employees/${encodeURIComponent(editing.id)}`, { ...rest, active, ...(password ? { password } : {}) });
      else await post("/admin/employees", { ...rest, password });
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
      await del(`/admin/employees/${encodeURIComponent(deleting.id)}`);
      list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setDeleting(null);
      setBusy(false);
    }
  }

  const set = (key: keyof EmployeeForm) => (value: string | boolean) =>
    setEditing((e) => (e ? { ...e, form: { ...e.form, [key]: value } } : e));

  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Employees")}</h1>
        <p>{t("Who can sign in to the back-office, and with which role.")}</p>
      </hgroup>
      <div className="toolbar"><button type="button" onClick={() => open(null)}>{t("Add new employee")}</button></div>
      {!editing && <ErrorBox error={error} />}
      {editing && (
        <article>
          <form onSubmit={save} noValidate aria-label={editing.id ? t("Edit employee") : t("New employee")}>
            <ErrorBox error={error} shownFields={["email", "first_name", "last_name", "role", "password", "language", "active"]} />
            <div className="grid">
              <TextField label={t("First name")} name="first_name" value={editing.form.first_name} onChange={set("first_name")} required error={errors.first_name} />
              <TextField label={t("Last name")} name="last_name" value={editing.form.last_name} onChange={set("last_name")} required error={errors.last_name} />
              <TextField label={t("E-mail")} name="email" type="email" value={editing.form.email} onChange={set("email")} required error={errors.email} autoComplete="off" />
            </div>
            <div className="grid">
              <SelectField label={t("Role")} name="role" value={editing.form.role} onChange={set("role")} options={[{ value: "admin", label: t("Administrator") }, { value: "support", label: t("Support") }]} error={errors.role} />
              <SelectField label={t("Language")} name="language" value={editing.form.language} onChange={set("language")} options={LANGS.map((code) => ({ value: code, label: LANG_NAMES[code] }))} error={errors.language} />
              <TextField
                label={editing.id ? t("New password") : t("Password")}
                name="password"
                type="password"
                value={editing.form.password}
                onChange={set("password")}
                required={!editing.id}
                hint={t("At least 12 characters.")}
                error={errors.password}
                autoComplete="new-password"
              />
            </div>
            {editing.id && <CheckboxField label={t("Active")} name="active" role="switch" checked={editing.form.active} onChange={set("active")} error={errors.active} />}
            <div className="form-actions">
              <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Save")}</button>
              <button type="button" className="secondary outline" onClick={() => setEditing(null)}>{t("Cancel")}</button>
            </div>
          </form>
        </article>
      )}
      <DataList
        list={list}
        columns={[t("Name"), t("E-mail"), t("Role"), t("Language"), t("Active"), t("Created"), t("Actions")]}
        row={(e) => (
          <tr key={e.id}>
            <td>{e.first_name} {e.last_name}</td>
            <td>{e.email}</td>
            <td>{e.role === "admin" ? t("Administrator") : t("Support")}</td>
            <td>{e.language}</td>
            <td><YesNo value={e.active} /></td>
            <td>{dateTime(e.created_at)}</td>
            <td className="actions">
              <button type="button" className="small secondary outline" onClick={() => open(e)}>{t("Edit")}</button>
              {e.id !== auth.session.employee.id && (
                <button type="button" className="small secondary outline danger" onClick={() => setDeleting(e)}>{t("Delete")}</button>
              )}
            </td>
          </tr>
        )}
        empty={t("No employee.")}
        pager={pager}
      />
      <ConfirmDialog open={deleting !== null} title={t("Delete this employee?")} confirmLabel={t("Delete")} busy={busy} onConfirm={remove} onCancel={() => setDeleting(null)} />
    </section>
  );
}
