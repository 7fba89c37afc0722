"""Deterministic fake banking data: institutions, accounts, balances and transactions.

Everything is drawn from a `random.Random` the caller seeds, so the same seed
and the same sequence of calls give the same data (transaction dates count
back from the current UTC day, so only they move from one day to the next).
Money is `Decimal` with two places; it leaves the simulator as JSON numbers,
as Plaid sends it.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Institution:
    """A bank the hosted link page offers."""

    institution_id: str
    name: str
    oauth: bool = False
    country_codes: tuple[str, ...] = ("US",)


# Plaid's documented Sandbox-only institutions (plaid.com/docs/sandbox/institutions), so code
# and tests written against the simulator use the ids the real Sandbox accepts.
INSTITUTIONS = (
    Institution("ins_109508", "First Platypus Bank"),
    Institution("ins_130016", "First Platypus Balance Bank"),
    Institution("ins_109509", "First Gingham Credit Union"),
    Institution("ins_109510", "Tattersall Federal Credit Union"),
    Institution("ins_109511", "Tartan Bank"),
    Institution("ins_109512", "Houndstooth Bank"),
    Institution("ins_43", "Tartan-Dominion Bank of Canada", country_codes=("CA",)),
    Institution("ins_127287", "Platypus OAuth Bank", oauth=True),
)

# Plaid's Sandbox test credentials (plaid.com/docs/sandbox/test-credentials): `user_good` with
# `pass_good` links; a password `error_<ERROR_CODE>` makes linking fail with that Item error.
SANDBOX_USERNAME = "user_good"
SANDBOX_PASSWORD = "pass_good"  # noqa: S105 - Plaid's public Sandbox test password

_MERCHANTS = (
    ("Corner Coffee", "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE", "in store"),
    ("Green Grocer", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", "in store"),
    ("City Transit", "TRANSPORTATION", "TRANSPORTATION_PUBLIC_TRANSIT", "in store"),
    ("Stream Flix", "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES", "online"),
    ("Power & Light Co", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", "online"),
    ("Book Nook", "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS", "online"),
)


def institution(institution_id: str) -> Institution | None:
    """The institution with this id, if the simulator knows it."""
    return next((i for i in INSTITUTIONS if i.institution_id == institution_id), None)


def plaid_id(rng: random.Random, length: int = 37) -> str:
    """An opaque id shaped like Plaid's account, item and transaction ids."""
    alphabet = string.ascii_letters + string.digits
    return "".join(rng.choice(alphabet) for _ in range(length))


def money(rng: random.Random, low: int, high: int) -> Decimal:
    """A random amount between `low` and `high` dollars, to the cent."""
    return (Decimal(rng.randint(low * 100, high * 100)) * CENT).quantize(CENT)


@dataclass
class Account:
    """An account at the linked institution, with its balances."""

    account_id: str
    name: str
    official_name: str
    mask: str
    type: str
    subtype: str
    current: Decimal
    available: Decimal | None
    limit: Decimal | None

    def as_plaid(self) -> dict[str, Any]:
        """The account as `/accounts/balance/get` returns it."""
        return {
            "account_id": self.account_id,
            "balances": {
                "available": self.available,
                "current": self.current,
                "iso_currency_code": "USD",
                "limit": self.limit,
                "unofficial_currency_code": None,
            },
            "mask": self.mask,
            "name": self.name,
            "official_name": self.official_name,
            # No `persistent_account_id`: Plaid sends it only for institutions that use
            # tokenized account numbers, and then as a string, never null.
            "subtype": self.subtype,
            "type": self.type,
        }


@dataclass
class Transaction:
    """A posted transaction; a positive amount is money leaving the account, as Plaid has it."""

    transaction_id: str
    account_id: str
    amount: Decimal
    day: date
    name: str
    primary: str
    detailed: str
    channel: str
    pending: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_plaid(self) -> dict[str, Any]:
        """The transaction as `/transactions/sync` returns it."""
        return {
            "account_id": self.account_id,
            "account_owner": None,
            "amount": self.amount,
            "authorized_date": self.day.isoformat(),
            "authorized_datetime": None,
            "category": None,
            "category_id": None,
            "check_number": None,
            "counterparties": [],
            "date": self.day.isoformat(),
            "datetime": None,
            "iso_currency_code": "USD",
            "location": {
                "address": None,
                "city": None,
                "country": None,
                "lat": None,
                "lon": None,
                "postal_code": None,
                "region": None,
                "store_number": None,
            },
            "logo_url": None,
            "merchant_entity_id": None,
            "merchant_name": self.name,
            "name": self.name.upper(),
            "payment_channel": self.channel,
            "payment_meta": {
                "by_order_of": None,
                "payee": None,
                "payer": None,
                "payment_method": None,
                "payment_processor": None,
                "ppd_id": None,
                "reason": None,
                "reference_number": None,
            },
            "pending": self.pending,
            "pending_transaction_id": None,
            "personal_finance_category": {
                "confidence_level": "VERY_HIGH",
                "detailed": self.detailed,
                "primary": self.primary,
            },
            "transaction_code": None,
            "transaction_id": self.transaction_id,
            "transaction_type": "place" if self.channel == "in store" else "digital",
            "unofficial_currency_code": None,
            "website": None,
        }


def make_accounts(rng: random.Random, bank: Institution) -> list[Account]:
    """A checking, a savings and a credit card account with plausible balances."""
    checking = money(rng, 200, 9_000)
    savings = money(rng, 1_000, 40_000)
    card_limit = Decimal(rng.choice((2_000, 5_000, 10_000))).quantize(CENT)
    card_balance = money(rng, 0, 1_500)
    short = bank.name.split()[0]
    return [
        Account(plaid_id(rng), "Checking", f"{short} Everyday Checking",
                f"{rng.randint(0, 9999):04d}", "depository", "checking",
                checking, checking - money(rng, 0, 100), None),
        Account(plaid_id(rng), "Savings", f"{short} High Yield Savings",
                f"{rng.randint(0, 9999):04d}", "depository", "savings",
                savings, savings, None),
        Account(plaid_id(rng), "Credit Card", f"{short} Rewards Card",
                f"{rng.randint(0, 9999):04d}", "credit", "credit card",
                card_balance, card_limit - card_balance, card_limit),
    ]  # fmt: skip


def make_transactions(
    rng: random.Random, accounts: list[Account], count: int, today: date
) -> list[Transaction]:
    """`count` transactions per account over the last 90 days, oldest first."""
    made: list[Transaction] = []
    for account in accounts:
        for _ in range(count):
            merchant, primary, detailed, channel = rng.choice(_MERCHANTS)
            made.append(
                Transaction(
                    transaction_id=plaid_id(rng),
                    account_id=account.account_id,
                    amount=money(rng, 1, 250),
                    day=today - timedelta(days=rng.randint(0, 90)),
                    name=merchant,
                    primary=primary,
                    detailed=detailed,
                    channel=channel,
                )
            )
    made.sort(key=lambda t: t.day)
    return made
