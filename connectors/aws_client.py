"""A boto3 client kept off the event loop: the lifecycle the AWS connectors (S3, SES) share.

boto3 is synchronous; calling it on the event loop would stall every other request, so each
connector owns a small `ThreadPoolExecutor` sized like boto3's connection pool, builds its client
on it (building reads credential files or the ECS credentials endpoint), runs every call on it,
and closes the client before stopping the threads. botocore's own retries are switched off: the
provider policy (`connectors.policy`) is the one place for retries, the breaker and the budget.

Each connector still builds its own client (service name, service options) and maps its
service's `ClientError` codes itself; transport failures mean the same for every AWS service
(`map_botocore_error`). `ThreadedAwsClient.call` runs one call with both mappings applied.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, Protocol, TypeVar, cast

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.loaders import Loader
from pydantic import SecretStr

from connectors.errors import AuthenticationError, ConnectorError, PermanentError, TransientError

T = TypeVar("T")


class _Closeable(Protocol):
    def close(self) -> None: ...


ClientT = TypeVar("ClientT", bound=_Closeable)
# A service's `ClientError` (error code, HTTP status) as a `connectors.errors` failure.
ClientErrorMap = Callable[[ClientError, str], ConnectorError]


class AwsClientSettings(Protocol):
    """What an AWS connector's config says about reaching the service."""

    @property
    def region(self) -> str: ...
    @property
    def endpoint_url(self) -> str | None: ...
    @property
    def access_key_id(self) -> SecretStr | None: ...
    @property
    def secret_access_key(self) -> SecretStr | None: ...
    @property
    def connect_timeout_seconds(self) -> float: ...
    @property
    def read_timeout_seconds(self) -> float: ...
    @property
    def max_workers(self) -> int: ...


# Always listed: botocore builds an STS client on the same session for assume-role credentials.
_ALWAYS_LISTED = frozenset({"sts"})


@functools.cache
def _endpoints_listing(search_paths: tuple[str, ...], prefixes: frozenset[str]) -> tuple[Any, str]:
    """botocore's `endpoints` data with only `prefixes`' services in each partition, and its path.

    The full file (every service of every partition) is ~7 MB of Python objects that the
    client keeps for its whole life (through its creator's S3 hook); one service's entries
    are a few kB. Parsed once per process, by a loader that is then dropped.
    """
    loader = Loader(extra_search_paths=list(search_paths), include_default_search_paths=False)
    data, path = loader.load_data_with_path("endpoints")
    partitions = [
        {**partition, "services": {k: v for k, v in partition["services"].items() if k in prefixes}}
        for partition in data["partitions"]
    ]
    return {**data, "partitions": partitions}, path


class _ListedEndpointsLoader(Loader):
    """botocore's data loader whose `endpoints` data lists only the services we build clients of.

    Everything else (service models, endpoint rule sets, partitions) loads as botocore's own
    loader does, from the same paths, and the path it reports is the real one, so botocore
    resolves endpoints exactly as with its builtin data.
    """

    def __init__(self, endpoint_prefixes: frozenset[str]) -> None:
        super().__init__()
        self._prefixes = endpoint_prefixes | _ALWAYS_LISTED

    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        if name != "endpoints":
            return cast(tuple[Any, str], super().load_data_with_path(name))
        return _endpoints_listing(tuple(self.search_paths), self._prefixes)


def aws_session(
    settings: AwsClientSettings, *, endpoint_prefixes: frozenset[str] | None = None
) -> boto3.session.Session:
    """A session with the configured keys, or the default credential chain (the ECS task role).

    With `endpoint_prefixes` (a service's endpoint prefix: `s3`), the session knows only those
    services' endpoints (see `_ListedEndpointsLoader`): ~7 MB less for each client built.
    """
    key_id, secret = settings.access_key_id, settings.secret_access_key
    core = botocore.session.get_session()
    if endpoint_prefixes is not None:
        core.register_component("data_loader", _ListedEndpointsLoader(endpoint_prefixes))
    return boto3.session.Session(
        region_name=settings.region,
        aws_access_key_id=key_id.get_secret_value() if key_id else None,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        botocore_session=core,
    )


def client_config(settings: AwsClientSettings, **service_options: Any) -> Config:
    """botocore's config: our timeouts, one pooled connection per thread, no botocore retries."""
    return Config(
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        max_pool_connections=settings.max_workers,
        retries={"mode": "standard", "total_max_attempts": 1},
        **service_options,
    )


class ThreadedAwsClient(Generic[ClientT]):
    """One boto3 client and the thread pool every call to it runs on (`open` first)."""

    def __init__(
        self,
        build: Callable[[], ClientT],
        *,
        provider: str,
        map_client_error: ClientErrorMap,
        max_workers: int,
        owner: str,
    ) -> None:
        self._build = build
        self._provider = provider
        self._map_client_error = map_client_error
        self._max_workers = max_workers
        # Named in the error when the connector is used before `open()`.
        self._owner = owner
        self._executor: ThreadPoolExecutor | None = None
        self._client: ClientT | None = None

    async def open(self) -> None:
        """Start the thread pool and build the client (which reads files) off the loop."""
        self._executor = ThreadPoolExecutor(
            max_workers=self._max_workers, thread_name_prefix=self._provider
        )
        self._client = await self.run(self._build)

    async def close(self) -> None:
        """Close boto3's connections and stop the threads."""
        if self._client is not None:
            await self.run(self._client.close)
            self._client = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    @property
    def client(self) -> ClientT:
        """The open boto3 client."""
        if self._client is None:
            raise RuntimeError(f"{self._owner} used before open()")
        return self._client

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`func(*args, **kwargs)` on the pool, awaited without blocking the loop."""
        if self._executor is None:
            raise RuntimeError(f"{self._owner} used before open()")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args, **kwargs))

    async def call(self, operation: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One boto3 call on the pool, its errors mapped onto `connectors.errors`."""
        try:
            return await self.run(func, *args, **kwargs)
        except ClientError as exc:
            raise self._map_client_error(exc, operation) from None
        except BotoCoreError as exc:
            raise map_botocore_error(exc, self._provider, operation) from None


def map_botocore_error(exc: BotoCoreError, provider: str, operation: str) -> ConnectorError:
    """The `connectors.errors` equivalent of a botocore transport or configuration error."""
    if isinstance(exc, BotoConnectionError):  # never reached the service: connect failures
        return TransientError(provider, operation, type(exc).__name__)
    if isinstance(exc, HTTPClientError):  # read timeouts, dropped connections mid-response
        return TransientError(provider, operation, type(exc).__name__, ambiguous=True)
    if isinstance(exc, NoCredentialsError):
        return AuthenticationError(provider, operation, "no credentials configured")
    return PermanentError(provider, operation, type(exc).__name__)
