"""Graph settings: which credential they choose, and what a half-configured Graph is told."""

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.identity.aio import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from bot.errors import SettingsError
from bot.graph.client import CredentialKind, credential_kind, graph_credential, open_graph
from bot.settings import load_settings
from tests.fakes.graph import FakeCredential

TENANT = "11111111-2222-3333-4444-555555555555"
APP = {"KRISEBOT_GRAPH_CLIENT_ID": "graph-app", "KRISEBOT_GRAPH_TENANT_ID": TENANT}
MSI = {"KRISEBOT_GRAPH_MANAGED_IDENTITY_CLIENT_ID": "msi-client-id"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("KRISEBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate and its private key in one PEM file."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "krisebot")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "graph.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    return path


def _set(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


async def test_without_graph_settings_there_is_no_client() -> None:
    settings = load_settings()
    assert credential_kind(settings) is None
    assert graph_credential(settings) is None
    async with open_graph(settings) as client:
        assert client is None


async def test_a_client_secret_gives_a_client_secret_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, {**APP, "KRISEBOT_GRAPH_CLIENT_SECRET": "secret"})
    settings = load_settings()

    assert credential_kind(settings) is CredentialKind.CLIENT_SECRET
    credential = graph_credential(settings)
    assert isinstance(credential, ClientSecretCredential)
    await credential.close()


async def test_a_certificate_is_used_instead_of_a_secret(monkeypatch: pytest.MonkeyPatch, certificate: Path) -> None:
    _set(monkeypatch, {**APP, "KRISEBOT_GRAPH_CERTIFICATE_PATH": str(certificate)})
    settings = load_settings()

    assert credential_kind(settings) is CredentialKind.CERTIFICATE
    credential = graph_credential(settings)
    assert isinstance(credential, CertificateCredential)
    await credential.close()


async def test_a_managed_identity_needs_no_secret_and_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, {**MSI, **APP})
    settings = load_settings()

    assert credential_kind(settings) is CredentialKind.MANAGED_IDENTITY
    credential = graph_credential(settings)
    assert isinstance(credential, ManagedIdentityCredential)
    await credential.close()


async def test_a_file_that_is_no_certificate_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("not a certificate", encoding="utf-8")
    _set(monkeypatch, {**APP, "KRISEBOT_GRAPH_CERTIFICATE_PATH": str(tmp_path / "bad.pem")})

    with pytest.raises(SettingsError) as caught:
        graph_credential(load_settings())
    assert caught.value.setting == "KRISEBOT_GRAPH_CERTIFICATE_PATH"


async def test_the_client_talks_to_the_configured_base_url() -> None:
    settings = load_settings(graph_base_url="http://127.0.0.1:8123/v1.0/")
    async with open_graph(settings, credential=FakeCredential()) as client:
        assert client is not None
        assert client.request_adapter.base_url == "http://127.0.0.1:8123/v1.0"


@pytest.mark.parametrize(
    ("env", "setting", "says"),
    [
        pytest.param({"KRISEBOT_GRAPH_CLIENT_ID": "graph"}, "KRISEBOT_GRAPH_TENANT_ID", "KRISEBOT_GRAPH_CLIENT_ID", id="no-tenant"),
        pytest.param(APP, "KRISEBOT_GRAPH_CLIENT_SECRET", "KRISEBOT_GRAPH_CERTIFICATE_PATH", id="no-secret-or-certificate"),
        pytest.param(
            {**APP, "KRISEBOT_GRAPH_CERTIFICATE_PATH": "/nowhere/graph.pem"}, "KRISEBOT_GRAPH_CERTIFICATE_PATH",
            "findes ikke", id="certificate-missing",
        ),
        pytest.param(
            {"KRISEBOT_GRAPH_MAIL_SENDER": "krise@struer.dk"}, "KRISEBOT_GRAPH_MAIL_SENDER",
            "KRISEBOT_GRAPH_MANAGED_IDENTITY_CLIENT_ID", id="mail-without-graph",
        ),
        pytest.param({**MSI, "KRISEBOT_GRAPH_MAIL_SENDER": "krise"}, "KRISEBOT_GRAPH_MAIL_SENDER", "UPN", id="mail-not-an-address"),
        pytest.param(
            {"KRISEBOT_TEAMS_APP_CATALOG_ID": "app"}, "KRISEBOT_TEAMS_APP_CATALOG_ID", "KRISEBOT_GRAPH_CLIENT_ID",
            id="catalog-without-graph",
        ),
    ],
)
def test_incomplete_graph_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], setting: str, says: str
) -> None:
    _set(monkeypatch, env)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.setting == setting
    assert says in caught.value.problem


def test_complete_graph_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, {**MSI, "KRISEBOT_GRAPH_MAIL_SENDER": "krise@struer.dk", "KRISEBOT_TEAMS_APP_CATALOG_ID": "app"})
    settings = load_settings()
    assert (settings.graph_mail_sender, settings.teams_app_catalog_id) == ("krise@struer.dk", "app")
