"""Header labels of the files merchants bring, and which system wrote them.

A file's header row is matched label by label: each cell is normalised (case, accents, the `*` of
a required column, hints in brackets such as "(0/1)", "(yyyy-mm-dd)", "(x,y,z...)" or
"(Mr = 1, Ms = 2, else 0)", punctuation and spaces all dropped) and looked up in the alias tables
below. The tables hold the labels exactly as the systems write them, with where each comes from,
so that a new layout is added by copying its header, not by guessing its normal form.

Sources (read from the public repositories, never made up):
- PrestaShop 1.6 importer: controllers/admin/AdminImportController.php (PrestaShop/PrestaShop-1.6),
  its French labels from that repository's translations/fr.gzip (translations/fr/admin.php), its
  Spanish labels from a PrestaShop 1.6 Spanish pack (translations/es/admin.php, keys
  AdminImport + md5(label)); the sample files docs/csv_import/customers_import.csv and
  addresses_import.csv.
- PrestaShop 8 importer: src/Core/Import/EntityField/Provider/CustomerFieldsProvider.php and
  AddressFieldsProvider.php, and the legacy AdminImportController labels (`trans(...) . '*'`);
  the 8.x sample files. PrestaShop 8's French and Spanish catalogues (XLF) are not in the
  repository; where 8.x reuses a 1.6 label, the 1.6 translation covers it.
- PrestaShop back-office customer list exports: 1.6 AdminCustomersController::$fields_list (EN,
  FR, ES as above) and 8.x CustomerGridDefinitionFactory.
- Shopify: the customer CSV template and the customers export of the admin (English only).
- WooCommerce: Analytics → Customers report download, Reports/Customers/Controller.php
  get_export_columns().

Only pure data and string work here: `app.py` imports this module, so it stays cheap to load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from chalicelib.addresses.domain import ADDRESS_FIELDS
from chalicelib.core.text import fold
from chalicelib.imports.domain import IGNORE, ImportKind

# A bracketed hint is dropped ("Newsletter (0/1)"), except a bare number, which is part of the
# name ("Address (2)" is PrestaShop 8's second address line, not its first).
_HINT = re.compile(r"\((?!\s*\d+\s*\))[^)]*\)?")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def normalise_label(cell: str) -> str:
    """The comparable form of a header cell: 'Titles ID (Mr = 1, Ms = 2, else 0)' → 'titlesid',
    '"E-mail du client *"' → 'emailduclient', 'Address (2)' → 'address2'. A BOM, quotes left
    around the text by a spreadsheet, and surrounding spaces make no difference."""
    text = cell.replace("\ufeff", "").strip().strip('"').strip("'")
    return _NOT_ALNUM.sub("", _HINT.sub(" ", fold(text)))


# -- customers -------------------------------------------------------------------------------------
# field → labels as written by some system (any language). Fields that the pipeline doesn't store
# yet are still recognised, so the job can say which column was left behind (STORED_FIELDS).
CUSTOMER_LABELS: dict[str, tuple[str, ...]] = {
    "id": (
        "ID",  # PrestaShop 1.6/8 importer and exports; Clientele's export
        "Customer ID",  # PrestaShop sample customers_import.csv; Shopify export
        "ID client",  # 1.6 FR
        "ID del cliente",  # 1.6 ES
        "id_customer",
        "Reference",
    ),
    "enabled": (
        "Active  (0/1)",  # PrestaShop 1.6/8 importer (two spaces, as written)
        "Active (0/1)",  # sample files
        "Actif (0/1)",
        "Activo (0/1)",
        "Enabled",  # back-office list exports, Clientele
        "Activé",
        "Activado",
        "Active",
        "Actif",
        "Activo",
        "Estado",
    ),
    "title": (
        "Titles ID (Mr = 1, Ms = 2, else 0)",  # 1.6/8 importer and sample
        "ID du titre (M = 1, Mme = 2, sinon 0)",  # 1.6 FR
        "ID Tratamiento (Sr = 1, Sra = 2, sino 0)",  # 1.6 ES
        "Gender ID (Mr=1, Ms=2, else 9)",  # the older sample kept in PrestaShop's history
        "Social title",  # 1.6/8 list exports
        "Titre",
        "Tratamiento",
        "Title",  # Clientele
        "Civilité",
        "Título",
        "Gender",
    ),
    "email": (
        "Email *",  # 1.6 importer and sample
        "Email*",  # 8 importer
        "E-mail*",  # older sample
        "E-mail *",  # 1.6 FR
        "Correo electrónico*",  # 1.6 ES
        "Email",  # 8 field provider, Shopify, WooCommerce
        "Email address",  # list exports, Clientele
        "Adresse e-mail",
        "Dirección de correo electrónico",
        "Courriel",
        "Mail",
        "Correo electrónico",
        "Correo",
    ),
    "password": (
        "Password *",
        "Password*",
        "Password",
        "Mot de passe *",
        "Contraseña*",
        "Mot de passe",
        "Contraseña",
        "Clave",
    ),
    # A shop's stored hashes, kept as they are (services/import_passwords.py): PrestaShop's
    # ps_customer column `passwd` (bcrypt in 1.7+, md5(_COOKIE_KEY_ + password) in 1.6).
    "password_hash": (
        "passwd",
        "Password hash",
        "Hash",
        "Hash du mot de passe",
        "Mot de passe haché",
        "Empreinte du mot de passe",
        "Hash de contraseña",
        "Hash de la contraseña",
        "Contraseña cifrada",
    ),
    "birthday": (
        "Birthday (yyyy-mm-dd)",  # 1.6 importer and sample
        "Birth date (yyyy-mm-dd)",  # 8
        "Anniversaire (aaaa-mm-jj) ",  # 1.6 FR (trailing space as written)
        "Fecha de nacimiento (aaaa-mm-dd)",  # 1.6 ES
        "Birthday",
        "Birthdate",
        "Date de naissance",
        "Cumpleaños",
    ),
    "last_name": (
        "Last Name *",  # 1.6
        "Last name*",  # 8
        "Lastname*",  # sample files
        "Nom *",
        "Apellidos *",
        "Last name",
        "Last Name",  # Shopify
        "Nom",
        "Apellidos",
        "Apellido",
        "Surname",
    ),
    "first_name": (
        "First Name *",
        "First name*",
        "Firstname*",
        "Prénom *",
        "Nombre *",
        "First name",
        "First Name",
        "Prénom",
        "Nombre",
    ),
    "newsletter": (
        "Newsletter (0/1)",
        "Newletter (0/1)",  # the older sample's typo
        "Boletín (0/1)",  # 1.6 ES
        "Newsletter",
        "Lettre d'informations",  # 1.6 FR list export
        "Boletín de noticias",  # 1.6 ES list export
        "News.",  # Clientele
        "Boletín",
        "Lettre d'information",
        # Shopify's e-mail marketing consent is the newsletter subscription.
        "Accepts Email Marketing",
    ),
    "optin": (
        "Opt-in (0/1)",  # 1.6 (FR identical)
        "Opt in (0/1)",  # 1.6 ES
        "Partner offers (0/1)",  # 8
        "Opt-in",
        "Partner offers",  # 8 list export
        "Opt.",  # Clientele
        "Offres partenaires",
        "Ofertas de socios",
    ),
    "registration": (
        "Registration date (yyyy-mm-dd)",  # 8 and the 8.x sample
        "Registration",  # list exports, Clientele
        "Inscription",
        "Fecha de registro",
        "Sign Up",  # WooCommerce
        "Registered",
        "Date d'inscription",
        "Date inscription",
        "Registro",
        "date_add",  # PrestaShop's ps_customer table, as a database export names it
    ),
    "last_visit": (
        "Last visit",
        "Dernière visite",
        "Última visita",
        "Last Active",  # WooCommerce
        "Dernière connexion",
        "Connection",
    ),
    "groups": (
        "Groups (x,y,z...)",
        "Groupes (x,y,z...)",
        "Grupos (x, y, z...)",
        "Groups",
        "Group",  # 8 list export: the default group's name
        "Groupes",
        "Groupe",
        "Grupos",
        "Grupo",
    ),
    "default_group": (
        "Default group ID",
        "ID du groupe par défaut",  # 1.6 FR
        "ID del grupo predeterminada",  # 1.6 ES, as written
    ),
    "company": ("Company", "Société", "Empresa", "Entreprise", "Compañía"),
    "language": ("Language", "Lang", "Langue", "Idioma"),
    "age": ("Age", "Edad"),
    # Multistore: which shop the customer belongs to. Clientele is one shop.
    "shop": ("ID / Name of shop", "ID ou nom de la boutique", "ID / Nombre de la tienda"),
    # Shopify
    "phone": ("Phone", "Shipping Phone"),
    "tags": ("Tags",),
    "note": ("Note",),
    "tax_exempt": ("Tax Exempt",),
    "sms_marketing": ("Accepts SMS Marketing",),
    "address.company": ("Default Address Company",),
    "address.address1": ("Default Address Address1",),
    "address.address2": ("Default Address Address2",),
    "address.city": ("Default Address City", "City"),
    "address.state": ("Default Address Province Code", "Region"),
    "address.country": ("Default Address Country Code", "Country / Region", "Country"),
    "address.postcode": ("Default Address Zip", "Postal Code"),
    "address.phone": ("Default Address Phone", "Billing Phone"),
    # WooCommerce
    "name": ("Name",),
    "username": ("Username",),
    "role": ("Role",),
    # Figures the source computed from its orders: Clientele computes its own from its orders,
    # so these are dropped on purpose, without a warning.
    IGNORE: (
        "Sales",  # PrestaShop list exports
        "Ventes",
        "Ventas",
        "Total Spent",  # Shopify export
        "Total Orders",
        "Orders",  # WooCommerce
        "Total Spend",
        "AOV",
    ),
}

# -- addresses -------------------------------------------------------------------------------------
ADDRESS_LABELS: dict[str, tuple[str, ...]] = {
    "id": ("ID", "Address ID", "Adress ID", "id"),  # the 1.6 sample writes "Adress ID"
    "alias": ("Alias *", "Alias*", "Alias", "Address alias", "Nom de l'adresse"),
    "enabled": ("Active  (0/1)", "Active (0/1)", "Actif (0/1)", "Activo (0/1)"),
    "email": (
        "Customer email *",  # 1.6
        "Customer email*",  # 8
        "Customer e-mail*",  # sample files
        "Customer email",
        "E-mail du client *",  # 1.6 FR
        "Email del cliente *",  # 1.6 ES
        "Customer email address",
        "Email du customer",
        *CUSTOMER_LABELS["email"],
    ),
    "customer_id": ("Customer ID", "ID client", "ID del cliente"),
    "manufacturer": ("Manufacturer", "Brand", "Fabricant", "Fabricante"),
    "supplier": ("Supplier", "Fournisseurs", "Fournisseur", "Proveedor"),
    "company": CUSTOMER_LABELS["company"],
    "last_name": (
        "Last Name *",
        "Last name*",
        "Lastname*",
        "Nom *",
        "Apellidos *",
        "Last name",
        "Nom",
        "Apellidos",
        "Apellido",
        "Surname",
    ),
    "first_name": (
        "First Name *",
        "First name *",  # 8 ('First name ' . '*')
        "Firstname*",
        "Prénom *",
        "Nombre *",
        "First name",
        "Prénom",
        "Nombre",
    ),
    "address1": (
        "Address 1 *",
        "Address 1*",  # sample files
        "Address*",  # 8
        "Address",
        "Adresse 1 *",
        "Dirección 1 *",
        "Adresse",
        "Adresse 1",
        "Dirección",
        "Dirección 1",
    ),
    "address2": ("Address 2", "Address (2)", "Adresse 2", "Dirección 2", "Complément"),
    "postcode": (
        "Zip/postal code *",
        "Zip/Postal code*",
        "Zip/postal code",
        "Zipcode*",
        "Code postal *",
        "Código postal/Zip *",
        "Postcode",
        "Zip code",
        "Zip",
        "Postal code",
        "Code postal",
        "Código postal",
        "CP",
    ),
    "city": ("City *", "City*", "City", "Ville *", "Ciudad *", "Ville", "Ciudad", "Localidad"),
    "country": (
        "Country *",
        "Country*",
        "Country",
        "Pays *",
        "País *",
        "Pays",
        "País",
        "Country code",
        "Code pays",
    ),
    "state": ("State", "État", "Provincia", "Etat", "Region", "Province", "Estado"),
    "other": ("Other", "Autre", "Otro", "Note"),
    "phone": ("Phone", "Téléphone", "Teléfono"),
    "phone_mobile": (
        "Mobile Phone",
        "Téléphone mobile",
        "Teléfono móvil",
        "Phone mobile",
        "Mobile",
        "Portable",
        "Móvil",
    ),
    "vat_number": ("VAT number", "Numéro de TVA", "Número de IVA", "VAT", "TVA", "NIF"),
    "dni": ("DNI/NIF/NIE", "DNI", "Identification number", "Numéro d'identification"),
}

# What the import pipeline writes today. A column recognised as a field outside this set is
# reported like an unknown one (each value it held is counted as dropped) until the pipeline
# stores it: recognising a label must never turn into losing its values silently.
STORED_FIELDS: dict[ImportKind, frozenset[str]] = {
    "customers": frozenset(
        {
            "id",
            "email",
            "first_name",
            "last_name",
            "company",
            "password",
            "password_hash",
            "enabled",
            "newsletter",
            "optin",
            "registration",
            "last_visit",
            "birthday",
            "title",
            "groups",
            "default_group",
            "language",
            "name",
            "age",  # derived from the birthday: read past on purpose
            # the row's own address (Shopify's Default Address, WooCommerce's billing columns)
            # and the customer-level phone, stored on it: services/import_addresses.py
            *(f"address.{name}" for name in ("company", "address1", "address2", "city")),
            *(f"address.{name}" for name in ("state", "country", "postcode", "phone")),
            "phone",
        }
    ),
    "addresses": frozenset(
        {
            "email",
            *ADDRESS_FIELDS,
            # the address's source id (matched before the alias) and its owner's (when there is
            # no e-mail), both through services/imports.py _address_rows
            "id",
            "customer_id",
            # read to skip brand, supplier and inactive addresses with a reason
            "enabled",
            "manufacturer",
            "supplier",
        }
    ),
}


def _index(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for field, labels in table.items():
        for label in labels:
            key = normalise_label(label)
            # First claim wins: the tables list the specific labels before the loose ones.
            index.setdefault(key, field)
    return index


ALIASES: dict[ImportKind, dict[str, str]] = {
    "customers": _index(CUSTOMER_LABELS),
    "addresses": _index(ADDRESS_LABELS),
}


# Labels one layout writes for another field than the same label means elsewhere: PrestaShop 8's
# customer grid export has the customer's default group by name under "Group" (the grid's
# `default_group` column), not the customer's groups; read as the groups, re-importing it took
# every customer out of all its other groups.
_LAYOUT_FIELDS: dict[str, dict[str, str]] = {
    "prestashop-8-export": {"group": "default_group", "groupe": "default_group", "grupo": "default_group"},
}


def field_for(kind: ImportKind, cell: str, layout: str | None = None) -> str | None:
    """The field a header cell names (IGNORE for a column dropped on purpose), None if unknown;
    as the detected `layout` writes it, when given."""
    key = normalise_label(cell)
    return _LAYOUT_FIELDS.get(layout or "", {}).get(key) or ALIASES[kind].get(key)


# -- layouts ---------------------------------------------------------------------------------------
# Each layout's header rows as the system writes them (several when versions or languages
# differ). `detect_layout` picks the layout whose header is closest to the file's.
_CLIENTELE_EXPORT = (
    "ID;Title;Last name;First Name;Email address;Age;Enabled;News.;Opt.;Registration;Last visit;"
    "Birthday;Company;Groups;Language"
)
LAYOUTS: dict[ImportKind, dict[str, tuple[str, ...]]] = {
    "customers": {
        "prestashop-1.6-import": (
            # docs/csv_import/customers_import.csv (PrestaShop-1.6)
            "Customer ID;Active (0/1);Titles ID (Mr = 1, Ms = 2, else 0);Email *;Password *;"
            "Birthday (yyyy-mm-dd);Last Name *;First Name *;Newsletter (0/1);Opt-in (0/1);"
            "Groups (x,y,z...);Default group ID",
            # AdminImportController labels, EN / FR / ES
            "ID;Active  (0/1);Titles ID (Mr = 1, Ms = 2, else 0);Email *;Password *;"
            "Birthday (yyyy-mm-dd);Last Name *;First Name *;Newsletter (0/1);Opt-in (0/1);"
            "Groups (x,y,z...);Default group ID;ID / Name of shop",
            "ID;Actif (0/1);ID du titre (M = 1, Mme = 2, sinon 0);E-mail *;Mot de passe *;"
            "Anniversaire (aaaa-mm-jj) ;Nom *;Prénom *;Newsletter (0/1);Opt-in (0/1);"
            "Groupes (x,y,z...);ID du groupe par défaut;ID ou nom de la boutique",
            "ID;Activo (0/1);ID Tratamiento (Sr = 1, Sra = 2, sino 0);Correo electrónico*;"
            "Contraseña*;Fecha de nacimiento (aaaa-mm-dd);Apellidos *;Nombre *;Boletín (0/1);"
            "Opt in (0/1);Grupos (x, y, z...);ID del grupo predeterminada;ID / Nombre de la tienda",
        ),
        "prestashop-8-import": (
            # docs/csv_import/customers_import.csv (PrestaShop 8)
            "Customer ID;Active (0/1);Titles ID (Mr = 1, Ms = 2, else 0);Email *;Password *;"
            "Birthday (yyyy-mm-dd);Last Name *;First Name *;Newsletter (0/1);Opt-in (0/1);"
            "Registration date (yyyy-mm-dd);Groups (x,y,z...);Default group ID",
            # CustomerFieldsProvider / AdminImportController labels
            "ID;Active  (0/1);Titles ID (Mr = 1, Ms = 2, else 0);Email*;Password*;"
            "Birth date (yyyy-mm-dd);Last name*;First name*;Newsletter (0/1);Partner offers (0/1);"
            "Registration date (yyyy-mm-dd);Groups (x,y,z...);Default group ID;ID / Name of shop",
        ),
        "prestashop-1.6-export": (
            # AdminCustomersController::$fields_list through layout-export.tpl ("ID" lower-cased),
            # with and without the B2B "Company" column; EN / FR / ES
            "id;Social title;First name;Last name;Email address;Sales;Enabled;Newsletter;Opt-in;"
            "Registration;Last visit",
            "id;Social title;First name;Last name;Email address;Company;Sales;Enabled;Newsletter;"
            "Opt-in;Registration;Last visit",
            "id;Titre;Prénom;Nom;Adresse e-mail;Ventes;Activé;Lettre d'informations;Opt-in;"
            "Inscription;Dernière visite",
            "id;Tratamiento;Nombre;Apellidos;Dirección de correo electrónico;Ventas;Activado;"
            "Boletín de noticias;Opt-in;Fecha de registro;Última visita",
        ),
        "prestashop-8-export": (
            "ID;Social title;First name;Last name;Email address;Group;Company;Sales;Enabled;"
            "Newsletter;Partner offers;Registration;Last visit",
            "ID;Social title;First name;Last name;Email address;Sales;Enabled;Newsletter;"
            "Partner offers;Registration;Last visit",
        ),
        "shopify": (
            # customer_template.csv
            "First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
            "Default Address Address1,Default Address Address2,Default Address City,"
            "Default Address Province Code,Default Address Country Code,Default Address Zip,"
            "Default Address Phone,Phone,Accepts SMS Marketing,Tags,Note,Tax Exempt",
            # the admin's customers export
            "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
            "Default Address Address1,Default Address Address2,Default Address City,"
            "Default Address Province Code,Default Address Country Code,Default Address Zip,"
            "Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,"
            "Tax Exempt,Tags",
        ),
        "woocommerce": (
            "Name,Username,Last Active,Sign Up,Email,Orders,Total Spend,AOV,Country / Region,City,"
            "Region,Postal Code,Billing Phone,Shipping Phone,Role",
            "Name,Username,Last Active,Sign Up,Email,Orders,Total Spend,AOV,Country / Region,City,"
            "Region,Postal Code",
        ),
        "clientele": (_CLIENTELE_EXPORT,),
    },
    "addresses": {
        "prestashop-1.6-import": (
            # docs/csv_import/addresses_import.csv (PrestaShop-1.6)
            "Adress ID;Alias*;Active (0/1);Customer e-mail*;Customer ID;Manufacturer;Supplier;"
            "Company;Lastname*;Firstname*;Address 1*;Address 2;Zipcode*;City*;Country*;State;Other;"
            "Phone;Mobile Phone;VAT number;DNI",
            "ID;Alias *;Active  (0/1);Customer email *;Customer ID;Manufacturer;Supplier;Company;"
            "Last Name *;First Name *;Address 1 *;Address 2;Zip/postal code *;City *;Country *;"
            "State;Other;Phone;Mobile Phone;VAT number;DNI/NIF/NIE",
            "ID;Alias *;Actif (0/1);E-mail du client *;ID client;Fabricant;Fournisseurs;Société;"
            "Nom *;Prénom *;Adresse 1 *;Adresse 2;Code postal *;Ville *;Pays *;État;Autre;"
            "Téléphone;Téléphone mobile;Numéro de TVA;DNI/NIF/NIE",
            "ID;Alias *;Activo (0/1);Email del cliente *;ID del cliente;Fabricante;Proveedor;"
            "Empresa;Apellidos *;Nombre *;Dirección 1 *;Dirección 2;Código postal/Zip *;Ciudad *;"
            "País *;Provincia;Otro;Teléfono;Teléfono móvil;Número de IVA;DNI/NIF/NIE",
        ),
        "prestashop-8-import": (
            # docs/csv_import/addresses_import.csv (PrestaShop 8)
            "Address ID;Alias*;Active (0/1);Customer e-mail*;Customer ID;Manufacturer;Supplier;"
            "Company;Lastname*;Firstname*;Address 1*;Address 2;Zipcode*;City*;Country*;State;Other;"
            "Phone;Mobile Phone;VAT number;DNI",
            # AddressFieldsProvider / AdminImportController labels
            "ID;Alias*;Active  (0/1);Customer email*;Customer ID;Brand;Supplier;Company;Last name*;"
            "First name *;Address*;Address (2);Zip/Postal code*;City*;Country*;State;Other;Phone;"
            "Mobile Phone;VAT number;Identification number",
        ),
    },
}

# Below this share of labels in common, a file is not taken for any known layout.
MIN_SIMILARITY = 0.6


def _keys(header: str) -> frozenset[str]:
    separator = "," if header.count(",") > header.count(";") else ";"
    return frozenset(k for k in (normalise_label(c) for c in header.split(separator)) if k)


_LAYOUT_KEYS: dict[ImportKind, dict[str, tuple[frozenset[str], ...]]] = {
    kind: {name: tuple(_keys(h) for h in headers) for name, headers in layouts.items()}
    for kind, layouts in LAYOUTS.items()
}


def detect_layout(kind: ImportKind, header_cells: Iterable[str]) -> str | None:
    """The layout whose header is nearest to this one (Jaccard similarity of the normalised
    labels), or None when none shares at least MIN_SIMILARITY of its labels with the file. The
    nearest wins, so that PrestaShop 8's sample (1.6's columns plus "Registration date") is told
    from 1.6's, and "Address ID" from 1.6's "Adress ID"."""
    found = frozenset(k for k in (normalise_label(c) for c in header_cells) if k)
    if not found:
        return None
    best, best_score = None, 0.0
    for name, variants in _LAYOUT_KEYS[kind].items():
        for keys in variants:
            score = len(found & keys) / len(found | keys)
            if score > best_score:
                best, best_score = name, score
    return best if best_score >= MIN_SIMILARITY else None


def split_name(full: str) -> tuple[str, str] | None:
    """WooCommerce's report writes one "Name" ("first last", as WordPress joins them): the last
    word is taken for the last name. None for a single word, which can't be split."""
    parts = full.split()
    if len(parts) < 2:
        return None
    return " ".join(parts[:-1]), parts[-1]
