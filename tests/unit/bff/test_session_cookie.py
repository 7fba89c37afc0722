"""Reading the session cookie: the fast split of plain headers agrees with aiohttp's parser."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request
from hypothesis import given, settings
from hypothesis import strategies as st

from bff.web.session_auth import request_cookie

NAME = "origin_session"


def cookie(header: str | None, name: str = NAME) -> tuple[str | None, str | None]:
    """(ours, aiohttp's) value of `name` for a request with this Cookie header."""
    request = make_mocked_request("GET", "/", headers={} if header is None else {"Cookie": header})
    return request_cookie(request, name), request.cookies.get(name)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "origin_session=Abc-_09",
        "origin_session=",
        "a=1; origin_session=tok; b=2",
        "origin_session=first; origin_session=last",
        "__Host-origin_session=tok",
        'origin_session="quoted"',
        'a="x; origin_session=evil"',
        "origin_session=tok;b=2",
        " origin_session=tok",
        "origin_session = tok",
        "origin_session=a,b",
        "expires=Wed, 09 Jun 2021 10:18:14 GMT; origin_session=tok",
        "origin_session=tok; ",
        "origin_session_other=tok",
    ],
)
def test_the_session_cookie_is_read_as_aiohttp_reads_it(header):
    ours, theirs = cookie(header)

    assert ours == theirs
    assert cookie(header, "__Host-origin_session")[0] == cookie(header, "__Host-origin_session")[1]


@settings(max_examples=300)
@given(st.text(alphabet='origin_sesAB09-._=; ",\\\t', max_size=60))
def test_any_header_gives_the_cookie_aiohttp_gives(header):
    ours, theirs = cookie(header)

    assert ours == theirs


_PAIRS = st.lists(
    st.tuples(
        st.sampled_from([NAME, "a", "path", "__Host-origin_session", "x.y"]),
        st.text(alphabet="AZaz09-_.=,; \"'", max_size=12),
    ),
    max_size=4,
)


@settings(max_examples=300)
@given(_PAIRS, st.sampled_from(["; ", ";", " ; "]))
def test_any_list_of_cookies_gives_the_cookie_aiohttp_gives(pairs, separator):
    ours, theirs = cookie(separator.join(f"{key}={value}" for key, value in pairs))

    assert ours == theirs
