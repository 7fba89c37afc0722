"""Roster headers and lines, checked as Origin's specification describes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.domain.eligibility import (
    COUNTRY_CODES,
    EligibleEmployee,
    HeaderError,
    Layout,
    Rejection,
    check_line,
    check_line_text,
    parse_header,
)

TODAY = date(2025, 6, 1)
FULL = parse_header("email,full name,country,birth_date,salary")


def test_the_specification_header_maps_every_column():
    assert FULL == Layout(width=5, email=0, country=2, full_name=1, birth_date=3, salary=4)


def test_header_names_ignore_case_spacing_underscores_order_extras_and_a_bom():
    layout = parse_header('\ufeff Salary ,EMAIL,extra,Full_Name,"country"')

    assert layout == Layout(width=5, email=1, country=4, full_name=3, birth_date=None, salary=0)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("full name,country", "missing required column(s): email"),
        ("email,salary", "missing required column(s): country"),
        ("name,dob", "missing required column(s): email, country"),
        ("email,country,Email", "the header names column 'email' twice"),
        ('email,"country', "the header line is not valid CSV"),
    ],
)
def test_a_header_without_the_required_columns_is_refused_with_the_reason(header, message):
    with pytest.raises(HeaderError) as refused:
        parse_header(header)

    assert str(refused.value) == message


def test_a_complete_line_is_normalised():
    checked = check_line(
        " Ana.Lopez+hr@Example.COM , Ana   Lopez ,us,1990-04-01,85000.5", FULL, today=TODAY
    )

    assert checked == EligibleEmployee(
        email="ana.lopez+hr@example.com",
        country="US",
        full_name="Ana Lopez",
        birth_date=date(1990, 4, 1),
        salary=Decimal("85000.5"),
    )


def test_optional_columns_may_be_empty_or_absent():
    assert check_line("a@b.io,,PT,,", FULL, today=TODAY) == EligibleEmployee("a@b.io", "PT")
    assert check_line("a@b.io,PT", parse_header("email,country"), today=TODAY) == (
        EligibleEmployee("a@b.io", "PT")
    )


def test_a_quoted_name_with_a_comma_is_one_field():
    checked = check_line('a@b.io,"Doe, Jane ""JD""",GB,,', FULL, today=TODAY)

    assert isinstance(checked, EligibleEmployee)
    assert checked.full_name == 'Doe, Jane "JD"'


@pytest.mark.parametrize(
    ("line", "reason", "keeps_email"),
    [
        (",Ana,US,,", "email is required", False),
        ("ana@,Ana,US,,", "email is not a valid address", False),
        ("ana example.com,Ana,US,,", "email is not a valid address", False),
        ("a..b@example.com,Ana,US,,", "email is not a valid address", False),
        ("a@b.io,Ana,,,", "country is required", True),
        ("a@b.io,Ana,USA,,", "country is not an ISO 3166-1 alpha-2 code", True),
        ("a@b.io,Ana,XK,,", "country is not an ISO 3166-1 alpha-2 code", True),
        ("a@b.io,Ana,US,01/02/1990,", "birth_date is not a date (YYYY-MM-DD)", True),
        ("a@b.io,Ana,US,1990-02-30,", "birth_date is not a date (YYYY-MM-DD)", True),
        ("a@b.io,Ana,US,2030-01-01,", "birth_date is out of range", True),
        ("a@b.io,Ana,US,1850-01-01,", "birth_date is out of range", True),
        ("a@b.io,Ana,US,,-1", "salary is not a non-negative amount with at most 2 decimals", True),
        (
            "a@b.io,Ana,US,,1.234",
            "salary is not a non-negative amount with at most 2 decimals",
            True,
        ),
        ("a@b.io,Ana,US,,NaN", "salary is not a non-negative amount with at most 2 decimals", True),
        ("a@b.io,Ana,US,,1e5", "salary is not a non-negative amount with at most 2 decimals", True),
        (
            "a@b.io,Ana,US,,1234567890123",
            "salary is not a non-negative amount with at most 2 decimals",
            True,
        ),
        ("a@b.io,Ana,US", "expected 5 fields, found 3", False),
        ("a@b.io,Ana,US,,,", "expected 5 fields, found 6", False),
        ('a@b.io,"Ana,US,,', "malformed CSV quoting", False),
        ("a@b.io,An\x00a,US,,", "the line contains a NUL character", False),
        ("a@b.io," + "x" * 201 + ",US,,", "full name is longer than 200 characters", True),
    ],
)
def test_a_bad_line_is_rejected_with_a_reason_that_names_no_value(line, reason, keeps_email):
    checked = check_line(line, FULL, today=TODAY)

    assert checked == Rejection(reason, "a@b.io" if keeps_email else None)


def test_salary_is_an_exact_decimal():
    checked = check_line("a@b.io,,US,,0.10", FULL, today=TODAY)

    assert isinstance(checked, EligibleEmployee)
    assert checked.salary == Decimal("0.10")
    assert isinstance(checked.salary, Decimal)


def test_the_text_verdict_is_the_typed_one_as_text():
    line = " Ana.Lopez+hr@Example.COM , Ana   Lopez ,us,1990-04-01,085000.5"

    assert check_line_text(line, FULL, today=TODAY) == (
        "ana.lopez+hr@example.com",
        "US",
        "Ana Lopez",
        "1990-04-01",
        "085000.5",
    )
    assert check_line_text("a@b.io,,PT,,", FULL, today=TODAY) == ("a@b.io", "PT", None, None, None)
    assert check_line_text("a@b.io,Ana,US,,-1", FULL, today=TODAY) == check_line(
        "a@b.io,Ana,US,,-1", FULL, today=TODAY
    )


def test_a_salary_in_another_scripts_digits_is_sent_as_the_decimal_it_reads_as():
    line = "a@b.io,,US,,\u0661\u0662.\u0665"  # Arabic-Indic 12.5

    assert check_line(line, FULL, today=TODAY) == EligibleEmployee(
        "a@b.io", "US", salary=Decimal("12.5")
    )
    assert check_line_text(line, FULL, today=TODAY) == ("a@b.io", "US", None, None, "12.5")


@pytest.mark.parametrize(
    "email",
    ["ana@example.com", "ana@mail.example.com", "ana@xn--bcher-kva.example"],
)
def test_an_address_is_valid_on_any_line_of_its_domain(email):
    for local in ("ana", "bruno.silva", "c+d"):
        address = local + email[email.index("@") :]
        checked = check_line(f"{address},,US,,", FULL, today=TODAY)
        assert isinstance(checked, EligibleEmployee), address


@pytest.mark.parametrize(
    "email",
    ["ana@b@example.com", "ana@-example.com", "ana@example", "ana@example.c0m", "@example.com"],
)
def test_an_address_with_a_bad_domain_is_rejected_even_after_good_ones(email):
    check_line("ok@example.com,,US,,", FULL, today=TODAY)

    assert check_line(f"{email},,US,,", FULL, today=TODAY) == Rejection(
        "email is not a valid address"
    )


def test_the_country_list_is_iso_3166_alpha_2():
    assert len(COUNTRY_CODES) == 249
    assert {"US", "BR", "GB", "PT", "AX", "SS"} <= COUNTRY_CODES
    assert not {"UK", "EU", "XK"} & COUNTRY_CODES


def test_a_line_with_bytes_that_were_not_utf8_is_rejected_alone():
    line = b"jos\xe9@example.com,Jos\xe9,US,,".decode("utf-8", errors="replace")
    assert check_line(line, FULL, today=TODAY) == Rejection("the line is not valid UTF-8")


def test_a_header_that_was_not_utf8_is_refused_as_not_a_csv_file():
    header = b"\x89PNG\r\x1a\xff,country".decode("utf-8", errors="replace")
    with pytest.raises(HeaderError, match="not UTF-8 text"):
        parse_header(header)
