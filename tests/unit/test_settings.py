import json

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr

from shared.settings import AppEnv, ConfigurationError, Settings, load_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def test_an_unknown_app_env_is_refused_naming_the_variable(clean_env):
    clean_env.setenv("APP_ENV", "bogus")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value).startswith("APP_ENV: ")
    assert "bogus" not in str(caught.value)


def _real_secrets(env: pytest.MonkeyPatch) -> None:
    for name, field in Settings.model_fields.items():
        if isinstance(field.default, SecretStr):
            env.setenv(name.upper(), f"real-{name}-value-0123456789")
    env.setenv("AMQP_URL", "amqp://origin:s3cret-value@mq:5671/")
    env.setenv("ACCESS_TOKEN_ENCRYPTION_KEYS", "cmVhbC1rZXktcmVhbC1rZXktcmVhbC1rZXktMzJiISE=")
    env.setenv("MFA_SECRET_ENCRYPTION_KEYS", "cmVhbC1tZmEta2V5LXJlYWwtbWZhLWtleS0zMmIhISE=")


def test_deployed_settings_with_real_secrets_load(clean_env):
    clean_env.setenv("APP_ENV", "production")
    _real_secrets(clean_env)
    assert load_settings().app_env is AppEnv.PRODUCTION


def test_a_placeholder_secret_is_refused_in_production(clean_env):
    clean_env.setenv("APP_ENV", "production")
    _real_secrets(clean_env)
    clean_env.setenv("SENTRY_DSN", "changeme")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "SENTRY_DSN is empty, a placeholder or the local default" in str(caught.value)
    assert "changeme" not in str(caught.value)


def test_a_secret_left_at_its_local_default_is_refused_in_staging(clean_env):
    clean_env.setenv("APP_ENV", "staging")
    _real_secrets(clean_env)
    clean_env.delenv("SMS_AUTH_TOKEN")
    with pytest.raises(ConfigurationError, match="SMS_AUTH_TOKEN is empty, a placeholder"):
        load_settings()


def test_the_default_broker_account_is_refused_in_staging(clean_env):
    clean_env.setenv("APP_ENV", "staging")
    _real_secrets(clean_env)
    clean_env.setenv("AMQP_URL", "amqp://guest:guest@mq:5672/")
    with pytest.raises(ConfigurationError, match="AMQP_URL uses the default guest account"):
        load_settings()


def test_placeholders_are_allowed_locally(clean_env):
    clean_env.setenv("SENTRY_DSN", "changeme")
    assert load_settings().app_env is AppEnv.LOCAL


def test_port_overrides_the_role_default(clean_env):
    clean_env.setenv("PORT", "9999")
    assert load_settings().port_for(8080) == 9999
    clean_env.delenv("PORT")
    assert load_settings().port_for(8080) == 8080


@mock_aws
def test_a_secrets_manager_secret_overlays_the_environment(clean_env):
    clean_env.setenv("AWS_ACCESS_KEY_ID", "testing")
    clean_env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("secretsmanager", region_name="eu-west-1")
    client.create_secret(
        Name="origin/test",
        SecretString=json.dumps(
            {"LOG_LEVEL": "ERROR", "DATABASE_URL": "postgresql://app:pw@db/origin"}
        ),
    )
    clean_env.setenv("AWS_REGION", "eu-west-1")
    clean_env.setenv("LOG_LEVEL", "DEBUG")
    clean_env.setenv("SECRETS_MANAGER_SECRET_ID", "origin/test")

    settings = load_settings()

    assert settings.log_level == "ERROR"
    assert settings.database_url.get_secret_value() == "postgresql://app:pw@db/origin"


@mock_aws
def test_a_missing_secret_stops_start_up_with_a_clear_error(clean_env):
    clean_env.setenv("AWS_ACCESS_KEY_ID", "testing")
    clean_env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clean_env.setenv("SECRETS_MANAGER_SECRET_ID", "origin/missing")
    with pytest.raises(ConfigurationError, match="SECRETS_MANAGER_SECRET_ID: cannot read secret"):
        load_settings()


def test_secrets_do_not_appear_in_the_settings_repr():
    settings = Settings(database_url="postgresql://app:hunter2@db/origin")
    assert "hunter2" not in repr(settings)


def test_every_setting_is_documented_in_the_env_example():
    from pathlib import Path

    documented = Path(__file__).resolve().parents[2].joinpath(".env.example").read_text()
    missing = [
        name.upper() for name in Settings.model_fields if f"{name.upper()}=" not in documented
    ]
    assert missing == []
