"""The msgraph-sdk client built from settings: credential, retry policy, base URL.

Credential choice: a user-assigned managed identity if its client id is set, else a
certificate if its path is set, else the client secret (the async azure-identity classes).
The client keeps the SDK's retry handler (429/503/504, ``Retry-After``, 3 retries) with a
short base delay, and hands a failure back at once when Graph asks for a wait longer than
``MAX_RETRY_WAIT``, so the caller sees the ``Retry-After`` instead of a timeout. Tests pass a
``retry_wait_scale`` below 1: the same retries, decided on the same waits, slept shorter.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Any

import httpx
from azure.core.credentials_async import AsyncTokenCredential
from azure.identity.aio import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory
from msgraph_core.middleware import GraphTelemetryHandler

from ..errors import SettingsError
from ..settings import Settings, env_name

MAX_RETRY_WAIT = 5.0
"""Longest wait (seconds) the SDK's retry handler may sleep before one retry."""
RETRY_BASE_DELAY = 0.5
"""Seconds added to the SDK's exponential backoff when Graph gives no ``Retry-After`` (SDK default: 3)."""


class CredentialKind(StrEnum):
    MANAGED_IDENTITY = "managed_identity"
    CERTIFICATE = "certificate"
    CLIENT_SECRET = "client_secret"


def credential_kind(settings: Settings) -> CredentialKind | None:
    """Which credential the settings configure for Graph; None when Graph is not configured."""
    if settings.graph_managed_identity_client_id:
        return CredentialKind.MANAGED_IDENTITY
    if not settings.graph_client_id:
        return None
    return CredentialKind.CERTIFICATE if settings.graph_certificate_path else CredentialKind.CLIENT_SECRET


def graph_credential(settings: Settings) -> AsyncTokenCredential | None:
    """The azure-identity credential the settings configure (no network); SettingsError if it cannot be built."""
    kind = credential_kind(settings)
    try:
        match kind:
            case CredentialKind.MANAGED_IDENTITY:
                return ManagedIdentityCredential(client_id=settings.graph_managed_identity_client_id)
            case CredentialKind.CERTIFICATE:
                return CertificateCredential(
                    settings.graph_tenant_id, settings.graph_client_id, certificate_path=str(settings.graph_certificate_path)
                )
            case CredentialKind.CLIENT_SECRET:
                return ClientSecretCredential(
                    settings.graph_tenant_id, settings.graph_client_id, settings.graph_client_secret.get_secret_value()
                )
    except ValueError as exc:
        field = "graph_certificate_path" if kind is CredentialKind.CERTIFICATE else "graph_tenant_id"
        raise SettingsError(env_name(field), f"kan ikke bruges til Microsoft Graph: {exc}") from None
    return None


@asynccontextmanager
async def open_graph(
    settings: Settings, *, credential: AsyncTokenCredential | None = None, retry_wait_scale: float = 1.0
) -> AsyncIterator[GraphServiceClient | None]:
    """A Graph client on ``settings.graph_base_url`` (None without a credential, given or configured),
    for a ``cleanup_ctx``: closes the HTTP client, and the credential it built, on exit.

    ``retry_wait_scale`` is the part of each retry's wait that is slept (1: all of it)."""
    built = _build(settings, credential, retry_wait_scale)
    if built is None:
        yield None
        return
    client, http, owned = built
    try:
        yield client
    finally:
        await http.aclose()
        if owned is not None:
            await owned.close()


def _build(
    settings: Settings, credential: AsyncTokenCredential | None, retry_wait_scale: float
) -> tuple[GraphServiceClient, httpx.AsyncClient, AsyncTokenCredential | None] | None:
    owned = graph_credential(settings) if credential is None else None
    credential = credential if credential is not None else owned
    if credential is None:
        return None
    middleware = [
        _BoundedRetryHandler(retry_wait_scale) if isinstance(handler, RetryHandler) else handler
        for handler in KiotaClientFactory.get_default_middleware(None)
    ]
    http = GraphClientFactory.create_with_custom_middleware([*middleware, GraphTelemetryHandler()])
    adapter = GraphRequestAdapter(AzureIdentityAuthenticationProvider(credential), client=http)
    adapter.base_url = str(settings.graph_base_url).rstrip("/")
    return GraphServiceClient(request_adapter=adapter), http, owned


class _BoundedRetryHandler(RetryHandler):
    """The SDK's retry handler that declines a retry whose wait exceeds ``MAX_RETRY_WAIT``, and
    sleeps ``wait_scale`` of each wait it accepts."""

    def __init__(self, wait_scale: float) -> None:
        super().__init__(RetryHandlerOption(delay=RETRY_BASE_DELAY))
        self._wait_scale = wait_scale

    def get_delay_time(
        self, retry_count: int, response: httpx.Response | None = None, delay: float = RETRY_BASE_DELAY
    ) -> float:
        wait = super().get_delay_time(retry_count, response, delay)
        # The handler never retries after a delay of MAX_DELAY or more.
        return wait * self._wait_scale if wait <= MAX_RETRY_WAIT else RetryHandlerOption.MAX_DELAY


def tagged_request() -> tuple[str, RequestConfiguration[Any]]:
    """A request configuration carrying a fresh ``client-request-id``, and that id (Graph logs it too)."""
    request_id = str(uuid.uuid4())
    config: RequestConfiguration[Any] = RequestConfiguration()
    config.headers.add("client-request-id", request_id)
    return request_id, config
