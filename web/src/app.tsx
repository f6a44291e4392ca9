import { useCallback, useEffect, useMemo, useState } from "react";
import { Link, Route, Router, Switch, useLocation } from "wouter";
import { useHashLocation } from "wouter/use-hash-location";
import { ApiError, get, loadSession, onUnauthorized, patch, saveSession } from "./lib/api";
import { browserLang, I18nContext, isLang, LANG_NAMES, LANGS, makeI18n, useI18n, type Lang } from "./lib/i18n";
import { AuthContext, useAuth, type Auth } from "./lib/session";
import type { Employee, Session, ShopSettings } from "./lib/types";
import { LoginPage } from "./pages/Login";
import { CustomersPage } from "./pages/Customers";
import { CustomerFormPage } from "./pages/CustomerForm";
import { CustomerViewPage } from "./pages/CustomerView";
import { AddressesPage, AddressFormPage } from "./pages/Addresses";
import { GroupsPage, GroupFormPage } from "./pages/Groups";
import { ContactsPage, OrderMessagesPage, TitlesPage } from "./pages/Lookups";
import { CartsPage, CartDetailPage } from "./pages/Carts";
import { OrdersPage, OrderDetailPage } from "./pages/Orders";
import { ImportsPage } from "./pages/Imports";
import { SettingsPage } from "./pages/Settings";
import { EmployeesPage } from "./pages/Employees";
import { StorefrontKeysPage } from "./pages/StorefrontKeys";
import { CustomerServicePage, MailboxPage, ThreadListPage, ThreadViewPage, UnprocessedPage } from "./pages/customer-service";

const LANG_KEY = "clientele.lang";
let languageSaves: Promise<void> = Promise.resolve();

function initialLang(employee?: Employee): Lang {
  const chosen = sessionStorage.getItem(LANG_KEY);
  if (isLang(chosen)) return chosen;
  if (employee && isLang(employee.language)) return employee.language;
  return browserLang();
}

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [lang, setLangState] = useState<Lang>(() => initialLang(session?.employee));
  const [settings, setSettings] = useState<ShopSettings | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const setLang = useCallback(
    (next: Lang) => {
      setLangState(next);
      sessionStorage.setItem(LANG_KEY, next);
      // Kept per employee: an admin's choice is saved on their employee record. Saves are chained
      // so that quick successive choices reach the API in order (the last one wins).
      if (session && session.employee.role === "admin") {
        languageSaves = languageSaves.then(() =>
          patch<Employee>(`/admin/employees/${encodeURIComponent(session.employee.id)}`, { language: next }).then(
            (employee) => {
              const current = loadSession();
              if (current && current.employee.id === employee.id) saveSession({ ...current, employee });
            },
            () => undefined,
          ),
        );
      }
    },
    [session],
  );

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const logout = useCallback(() => {
    saveSession(null);
    sessionStorage.removeItem(LANG_KEY);
    setSession(null);
    setSettings(null);
    window.location.hash = "#/login";
  }, []);

  useEffect(() => {
    onUnauthorized(() => {
      setSession(null);
      setSettings(null);
      setNotice("Your session has ended. Sign in again.");
      window.location.hash = "#/login";
    });
  }, []);

  const [settingsTick, setSettingsTick] = useState(0);
  useEffect(() => {
    if (!session) return;
    get<ShopSettings>("/admin/settings").then(setSettings, (error: unknown) => {
      if (!(error instanceof ApiError && error.status === 401)) setSettings(null);
    });
  }, [session, settingsTick]);

  const i18n = useMemo(() => makeI18n(lang, setLang, settings?.currency ?? "EUR"), [lang, setLang, settings?.currency]);

  const auth: Auth | null = useMemo(
    () =>
      session
        ? {
            session,
            isAdmin: session.employee.role === "admin",
            settings,
            reloadSettings: () => setSettingsTick((n) => n + 1),
            logout,
          }
        : null,
    [session, settings, logout],
  );

  return (
    <I18nContext.Provider value={i18n}>
      <Router hook={useHashLocation}>
        {auth ? (
          <AuthContext.Provider value={auth}>
            <Shell />
          </AuthContext.Provider>
        ) : (
          <LoginPage
            notice={notice}
            onSignedIn={(signedIn) => {
              saveSession(signedIn);
              setNotice(null);
              const chosen = sessionStorage.getItem(LANG_KEY);
              if (!isLang(chosen) && isLang(signedIn.employee.language)) setLangState(signedIn.employee.language);
              setSession(signedIn);
              window.location.hash = signedIn.employee.role === "admin" ? "#/customers" : "#/customer-service";
            }}
          />
        )}
      </Router>
    </I18nContext.Provider>
  );
}

interface MenuItem {
  path: string;
  label: string;
  admin?: boolean;
}

// Support staff: customer service and read-only customers, carts and orders.
export const MENU: MenuItem[] = [
  { path: "/customers", label: "Customers" },
  { path: "/addresses", label: "Addresses" },
  { path: "/groups", label: "Groups", admin: true },
  { path: "/carts", label: "Carts" },
  { path: "/orders", label: "Orders" },
  { path: "/customer-service", label: "Customer service" },
  { path: "/imports", label: "Import / export", admin: true },
  { path: "/titles", label: "Titles", admin: true },
  { path: "/contacts", label: "Contacts", admin: true },
  { path: "/order-messages", label: "Order messages", admin: true },
  { path: "/settings", label: "Settings", admin: true },
  { path: "/employees", label: "Employees", admin: true },
  { path: "/storefront-keys", label: "Storefront keys", admin: true },
];

export function menuFor(role: string): MenuItem[] {
  return MENU.filter((item) => !item.admin || role === "admin");
}

function Shell() {
  const { t, lang, setLang } = useI18n();
  const auth = useAuth();
  const [location] = useLocation();
  const employee = auth.session.employee;
  const items = menuFor(employee.role);
  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        {t("Skip to content")}
      </a>
      <header className="container-fluid app-header">
        <nav aria-label={t("Main menu")}>
          <ul>
            <li>
              <strong>{auth.settings?.shop_name ?? "Clientele"}</strong>
            </li>
          </ul>
          <ul className="user-menu">
            <li>
              <span className="who">
                {employee.first_name} {employee.last_name} · <span data-testid="role">{t(employee.role === "admin" ? "Administrator" : "Support")}</span>
              </span>
            </li>
            <li>
              <select aria-label={t("Language")} value={lang} onChange={(e) => isLang(e.target.value) && setLang(e.target.value)}>
                {LANGS.map((code) => (
                  <option key={code} value={code}>
                    {LANG_NAMES[code]}
                  </option>
                ))}
              </select>
            </li>
            <li>
              <button type="button" className="secondary outline" onClick={auth.logout}>
                {t("Log out")}
              </button>
            </li>
          </ul>
        </nav>
        <nav aria-label={t("Sections")} className="sections">
          <ul>
            {items.map((item) => (
              <li key={item.path}>
                <Link href={item.path} aria-current={location.startsWith(item.path) ? "page" : undefined}>
                  {t(item.label)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="container-fluid" id="main" tabIndex={-1}>
        <Switch>
          <Route path="/customers" component={CustomersPage} />
          <Route path="/customers/new">{() => <AdminOnly><CustomerFormPage /></AdminOnly>}</Route>
          <Route path="/customers/:id/edit">{(p) => <AdminOnly><CustomerFormPage id={p.id} /></AdminOnly>}</Route>
          <Route path="/customers/:id">{(p) => <CustomerViewPage id={p.id} />}</Route>
          <Route path="/addresses" component={AddressesPage} />
          <Route path="/customers/:id/addresses/new">{(p) => <AdminOnly><AddressFormPage customerId={p.id} /></AdminOnly>}</Route>
          <Route path="/addresses/:id">{(p) => <AddressFormPage id={p.id} />}</Route>
          <Route path="/groups">{() => <AdminOnly><GroupsPage /></AdminOnly>}</Route>
          <Route path="/groups/new">{() => <AdminOnly><GroupFormPage /></AdminOnly>}</Route>
          <Route path="/groups/:id">{(p) => <AdminOnly><GroupFormPage id={p.id} /></AdminOnly>}</Route>
          <Route path="/carts" component={CartsPage} />
          <Route path="/carts/:id">{(p) => <CartDetailPage id={p.id} />}</Route>
          <Route path="/orders" component={OrdersPage} />
          <Route path="/orders/:id">{(p) => <OrderDetailPage id={p.id} />}</Route>
          <Route path="/customer-service" component={CustomerServicePage} />
          <Route path="/customer-service/threads">{() => <ThreadListPage />}</Route>
          <Route path="/customer-service/contact/:contactId">{(p) => <ThreadListPage key={p.contactId} contactId={p.contactId} />}</Route>
          <Route path="/customer-service/threads/:id">{(p) => <ThreadViewPage key={p.id} id={p.id} />}</Route>
          <Route path="/customer-service/mailbox" component={MailboxPage} />
          <Route path="/customer-service/unprocessed" component={UnprocessedPage} />
          <Route path="/imports">{() => <AdminOnly><ImportsPage /></AdminOnly>}</Route>
          <Route path="/titles">{() => <AdminOnly><TitlesPage /></AdminOnly>}</Route>
          <Route path="/contacts">{() => <AdminOnly><ContactsPage /></AdminOnly>}</Route>
          <Route path="/order-messages">{() => <AdminOnly><OrderMessagesPage /></AdminOnly>}</Route>
          <Route path="/settings">{() => <AdminOnly><SettingsPage /></AdminOnly>}</Route>
          <Route path="/employees">{() => <AdminOnly><EmployeesPage /></AdminOnly>}</Route>
          <Route path="/storefront-keys">{() => <AdminOnly><StorefrontKeysPage /></AdminOnly>}</Route>
          <Route>{() => <Home />}</Route>
        </Switch>
      </main>
    </>
  );
}

function Home() {
  const auth = useAuth();
  const [, navigate] = useLocation();
  useEffect(() => {
    navigate(auth.isAdmin ? "/customers" : "/customer-service", { replace: true });
  }, [auth.isAdmin, navigate]);
  return null;
}

function AdminOnly({ children }: { children: React.ReactNode }) {
  const { t } = useI18n();
  const auth = useAuth();
  if (!auth.isAdmin) {
    return (
      <article role="alert">
        <h1>{t("Not allowed.")}</h1>
        <p>{t("This screen is for administrators.")}</p>
      </article>
    );
  }
  return <>{children}</>;
}
