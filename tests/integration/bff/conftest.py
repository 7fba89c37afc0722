"""Fixtures of the bff tests: the app on a test server, and signed-in advisors and an admin."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient

from bff.app import create_app
from bff.web.limits import Limits
from shared.database import Pool
from shared.settings import Settings
from tests.integration.bff.builders import Session, make_user, sign_in


@pytest.fixture
async def client(aiohttp_client, settings: Settings) -> TestClient:
    """The bff with default limits, no cookie jar (tests send cookies themselves)."""
    return await aiohttp_client(
        create_app(settings, limits=Limits(client_ip_header="X-Forwarded-For")),
        cookie_jar=DummyCookieJar(),
    )


@dataclass
class Team:
    advisor: Session
    other_advisor: Session
    admin: Session


@pytest.fixture
async def team(client: TestClient, pool: Pool) -> Team:
    """Two advisors and an admin, each signed in."""
    sessions = []
    for role in ("advisor", "advisor", "admin"):
        user = await make_user(pool, role)
        sessions.append(await sign_in(client, user.email))
    return Team(*sessions)
