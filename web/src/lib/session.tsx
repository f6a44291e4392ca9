// The signed-in employee, their role and the shop settings every screen reads.
import { createContext, useContext } from "react";
import type { Session } from "./types";
import type { ShopSettings } from "./types";

export interface Auth {
  session: Session;
  isAdmin: boolean;
  settings: ShopSettings | null;
  reloadSettings: () => void;
  logout: () => void;
}

export const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside the signed-in app");
  return auth;
}
