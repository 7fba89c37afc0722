"""Employer eligibility files: the header and the lines an employer's roster CSV must have.

The columns follow Origin's specification: `email` (required), `full name`,
`country` (required, ISO 3166-1 alpha-2), `birth_date` and `salary`. Header
names are matched case-insensitively and `_`/space alike (`full_name` is
`full name`); unknown columns are ignored. A file whose header lacks a required
column is refused as a whole; a bad line is rejected with a reason and never
stops the file.

Checking is pure and per line, so the gateway can stream 600,000 lines through
it in a few seconds: a line without quotes is split on commas (the fast path),
a quoted line goes through the `csv` module; a record spanning physical lines
is not supported (its first line is rejected as malformed).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

REQUIRED_COLUMNS = ("email", "country")
OPTIONAL_COLUMNS = ("full name", "birth_date", "salary")

MAX_EMAIL_LENGTH = 254
MAX_FULL_NAME_LENGTH = 200
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# ISO 3166-1 alpha-2: the 249 officially assigned codes.
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """.split()
)

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# An address is a local part, "@", a domain; neither part can hold an "@", so the first "@"
# splits it, and the domain (a roster repeats a few) is checked once per domain.
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# numeric(14, 2): at most 12 digits before the point and 2 after; no sign, exponent or NaN.
_SALARY = re.compile(r"\d{1,12}(?:\.\d{1,2})?")


@lru_cache(maxsize=1024)
def _domain_matches(domain: str) -> bool:
    return _DOMAIN.fullmatch(domain) is not None


def _email_matches(email: str) -> bool:
    local, at, domain = email.partition("@")
    return bool(at) and _LOCAL_PART.fullmatch(local) is not None and _domain_matches(domain)


class HeaderError(ValueError):
    """The header line cannot describe a roster; the message says why (it names no data)."""


@dataclass(frozen=True)
class Layout:
    """Where each known column sits in a line, read from the header."""

    width: int
    email: int
    country: int
    full_name: int | None = None
    birth_date: int | None = None
    salary: int | None = None


@dataclass(frozen=True, slots=True)
class EligibleEmployee:
    """One accepted line: the email normalised to lower case, the country to upper case."""

    email: str
    country: str
    full_name: str | None = None
    birth_date: date | None = None
    salary: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a line was not accepted; the reason names fields, never their values.

    `email` is kept when the address itself was valid: the employee is still listed
    in the file (a typo in another column must not end their access).
    """

    reason: str
    email: str | None = None


def _column_key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def parse_header(line: str) -> Layout:
    """The layout of the file's first line, or `HeaderError` when it is not a roster header."""
    line = line.removeprefix("\ufeff")  # a byte-order mark written by spreadsheet tools
    if "\ufffd" in line:  # the reader's mark for bytes that were not UTF-8
        raise HeaderError("the header is not UTF-8 text: not a CSV file")
    try:
        names = next(csv.reader([line], strict=True))
    except (csv.Error, StopIteration):
        raise HeaderError("the header line is not valid CSV") from None
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        key = _column_key(name)
        if not key:
            continue
        if key in positions:
            raise HeaderError(f"the header names column '{key}' twice")
        positions[key] = index
    missing = [column for column in REQUIRED_COLUMNS if _column_key(column) not in positions]
    if missing:
        raise HeaderError("missing required column(s): " + ", ".join(missing))
    return Layout(
        width=len(names),
        email=positions["email"],
        country=positions["country"],
        full_name=positions.get("full name"),
        birth_date=positions.get("birth date"),
        salary=positions.get("salary"),
    )


def split_fields(line: str) -> list[str] | None:
    """The fields of one CSV line, or None when its quoting is malformed."""
    if '"' not in line:
        return line.split(",")
    try:
        return next(csv.reader([line], strict=True))
    except (csv.Error, StopIteration):
        return None


EmployeeText = tuple[str, str, str | None, str | None, str | None]
"""An accepted line as normalised text: (email, country, full name, ISO birth date, salary)."""


def check_line(line: str, layout: Layout, *, today: date) -> EligibleEmployee | Rejection:
    """Validate one data line against the layout: an employee, or the reason it was rejected."""
    checked = check_line_text(line, layout, today=today)
    if isinstance(checked, Rejection):
        return checked
    email, country, full_name, birth_date, salary = checked
    return EligibleEmployee(
        email,
        country,
        full_name,
        None if birth_date is None else date.fromisoformat(birth_date),
        None if salary is None else Decimal(salary),
    )


def check_line_text(line: str, layout: Layout, *, today: date) -> EmployeeText | Rejection:
    """`check_line`'s verdict with the accepted values as text: what a bulk load sends.

    No date, Decimal or employee object is built per line (a roster has 600,000 of
    them); the text is what `check_line` would type: an ISO date, a plain decimal.
    """
    if "\x00" in line:
        return Rejection("the line contains a NUL character")
    if "\ufffd" in line:  # what the reader puts where bytes were not UTF-8
        return Rejection("the line is not valid UTF-8")
    fields = line.split(",") if '"' not in line else split_fields(line)
    if fields is None:
        return Rejection("malformed CSV quoting")
    if len(fields) != layout.width:
        return Rejection(f"expected {layout.width} fields, found {len(fields)}")

    email = fields[layout.email].strip().lower()
    if not email:
        return Rejection("email is required")
    if len(email) > MAX_EMAIL_LENGTH or not _email_matches(email):
        return Rejection("email is not a valid address")

    country = fields[layout.country].strip().upper()
    if not country:
        return Rejection("country is required", email)
    if country not in COUNTRY_CODES:
        return Rejection("country is not an ISO 3166-1 alpha-2 code", email)

    full_name: str | None = None
    if layout.full_name is not None:
        full_name = " ".join(fields[layout.full_name].split()) or None
        if full_name is not None and len(full_name) > MAX_FULL_NAME_LENGTH:
            return Rejection(f"full name is longer than {MAX_FULL_NAME_LENGTH} characters", email)

    birth_date: str | None = None
    if layout.birth_date is not None and (birth_date := fields[layout.birth_date].strip()):
        if not _DATE.fullmatch(birth_date):
            return Rejection("birth_date is not a date (YYYY-MM-DD)", email)
        try:
            parsed = date.fromisoformat(birth_date)  # only ASCII digits parse
        except ValueError:
            return Rejection("birth_date is not a date (YYYY-MM-DD)", email)
        if not EARLIEST_BIRTH_DATE <= parsed <= today:
            return Rejection("birth_date is out of range", email)
    else:
        birth_date = None

    salary: str | None = None
    if layout.salary is not None and (salary := fields[layout.salary].strip()):
        if not _SALARY.fullmatch(salary):
            return Rejection("salary is not a non-negative amount with at most 2 decimals", email)
        if not salary.isascii():  # other scripts' digits: what Decimal reads them as
            salary = str(Decimal(salary))
    else:
        salary = None

    return (email, country, full_name, birth_date, salary)
