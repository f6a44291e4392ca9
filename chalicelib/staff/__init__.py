"""Back-office employees: accounts, roles, and staff sign-in (throttled, enumeration-resistant)."""
