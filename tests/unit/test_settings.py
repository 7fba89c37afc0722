import json

import boto3
import pytest
from moto import mock_aws

from shared.settings import (
    DEPLOYED_REQUIRED,
    MIN_SECRET_LENGTH,
    AppEnv,
    ConfigurationError,
    Settings,
    load_settings,
)
from tests.support.deployed import REQUIRED_VALUES, deployed_environment


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


def _deployed(env: pytest.MonkeyPatch, app_env: str = "staging") -> None:
    for name, value in deployed_environment(app_env).items():
        env.setenv(name, value)


@pytest.mark.parametrize("app_env", ["staging", "production"])
def test_deployed_settings_with_every_required_value_and_strong_secrets_load(clean_env, app_env):
    _deployed(clean_env, app_env)
    settings = load_settings()
    assert settings.app_env == app_env
    assert settings.sms_base_url == "https://api.twilio.com"
    assert settings.webapp_base_url == "https://app.origin.example"


def test_the_deployed_environment_covers_every_required_setting():
    assert sorted(REQUIRED_VALUES) == sorted(name.upper() for name in DEPLOYED_REQUIRED)


@pytest.mark.parametrize("name", [name.upper() for name in DEPLOYED_REQUIRED])
def test_a_deployed_role_without_a_required_setting_is_refused_naming_it(clean_env, name):
    _deployed(clean_env, "production")
    clean_env.delenv(name)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name}: required")
    assert "refused in production" in message
    assert "\n" not in message


def test_several_missing_settings_are_named_on_one_line(clean_env):
    _deployed(clean_env)
    clean_env.delenv("SMS_BASE_URL")
    clean_env.delenv("GATEWAY_INTERNAL_URL")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value).startswith("GATEWAY_INTERNAL_URL, SMS_BASE_URL: required")


@pytest.mark.parametrize("value", ["", "  ", "http://127.0.0.1:8090"])
def test_a_required_setting_empty_or_at_its_local_default_is_refused_in_staging(clean_env, value):
    _deployed(clean_env)
    clean_env.setenv("SMS_BASE_URL", value)
    with pytest.raises(ConfigurationError, match=r"^SMS_BASE_URL: required"):
        load_settings()


@pytest.mark.parametrize("app_env", ["local", "test"])
def test_local_and_test_keep_their_simulator_defaults(clean_env, app_env):
    clean_env.setenv("APP_ENV", app_env)
    settings = load_settings()
    assert settings.gateway_internal_url == "http://127.0.0.1:8081"
    assert settings.public_webhook_base_url == "http://127.0.0.1:8081"
    assert settings.sms_base_url == "http://127.0.0.1:8090"
    assert settings.sms_from_number == "+15005550006"
    assert settings.sms_account_sid == "AC" + "0" * 31 + "1"
    assert settings.aggregation_base_url == "http://127.0.0.1:8090"
    assert settings.aggregation_client_id == "simulator-plaid-client-id"
    assert settings.scheduling_base_url == "http://127.0.0.1:8090"
    assert settings.scheduling_organization_uri.startswith("http://127.0.0.1:8090/organizations/")
    assert settings.webapp_base_url == "http://localhost:3000"
    assert settings.email_from_address == "no-reply@origin.local"


@pytest.mark.parametrize(
    ("name", "value"), [("INTERNAL_SERVICE_TOKEN", "abc"), ("OPS_PASSWORD", "ops1")]
)
def test_a_short_secret_is_refused_in_staging_without_echoing_it(clean_env, name, value):
    _deployed(clean_env)
    clean_env.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value) == (
        f"{name} is shorter than {MIN_SECRET_LENGTH} characters, refused in staging"
    )
    assert value not in str(caught.value).replace("characters", "")


def test_a_secret_of_exactly_the_minimum_length_is_accepted(clean_env):
    _deployed(clean_env, "production")
    clean_env.setenv("SCHEDULING_WEBHOOK_SIGNING_KEY", "k" * MIN_SECRET_LENGTH)
    clean_env.setenv("OPS_PASSWORD", "p" * (MIN_SECRET_LENGTH - 1))
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "SCHEDULING_WEBHOOK_SIGNING_KEY" not in str(caught.value)
    assert "OPS_PASSWORD is shorter" in str(caught.value)


def test_an_optional_secret_that_is_set_must_be_long_too(clean_env):
    _deployed(clean_env, "production")
    clean_env.setenv("NEW_RELIC_LICENSE_KEY", "short-key")
    with pytest.raises(ConfigurationError, match="NEW_RELIC_LICENSE_KEY is shorter than 32"):
        load_settings()


def test_urls_with_credentials_are_exempt_from_the_length_rule(clean_env):
    _deployed(clean_env, "production")
    clean_env.setenv("DATABASE_URL", "postgresql://a:b@db/o")
    clean_env.setenv("AMQP_URL", "amqps://a:b@mq/")
    assert len("postgresql://a:b@db/o") < MIN_SECRET_LENGTH
    assert load_settings().database_url.get_secret_value() == "postgresql://a:b@db/o"


def test_a_database_url_left_at_its_local_default_is_refused_in_production(clean_env):
    _deployed(clean_env, "production")
    clean_env.delenv("DATABASE_URL")
    with pytest.raises(
        ConfigurationError, match="DATABASE_URL is empty, a placeholder or the local"
    ):
        load_settings()


def test_short_secrets_are_allowed_locally(clean_env):
    clean_env.setenv("INTERNAL_SERVICE_TOKEN", "abc")
    assert load_settings().internal_service_token.get_secret_value() == "abc"


def test_a_placeholder_secret_is_refused_in_production(clean_env):
    _deployed(clean_env, "production")
    clean_env.setenv("SENTRY_DSN", "changeme")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "SENTRY_DSN is empty, a placeholder or the local default" in str(caught.value)
    assert "changeme" not in str(caught.value)


def test_a_secret_left_at_its_local_default_is_refused_in_staging(clean_env):
    _deployed(clean_env)
    clean_env.delenv("SMS_AUTH_TOKEN")
    with pytest.raises(ConfigurationError, match="SMS_AUTH_TOKEN is empty, a placeholder"):
        load_settings()


def test_the_default_broker_account_is_refused_in_staging(clean_env):
    _deployed(clean_env)
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


def _secret_holding(env: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    env.setenv("AWS_ACCESS_KEY_ID", "testing")
    env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    env.setenv("AWS_REGION", "us-east-1")
    client = boto3.client("secretsmanager", region_name="us-east-1")
    client.create_secret(Name="origin-staging/app", SecretString=json.dumps(values))
    env.setenv("SECRETS_MANAGER_SECRET_ID", "origin-staging/app")


@mock_aws
def test_a_deployed_role_whose_settings_live_only_in_the_secret_starts(clean_env):
    clean_env.setenv("APP_ENV", "staging")
    everything = {k: v for k, v in deployed_environment().items() if k != "APP_ENV"}
    _secret_holding(clean_env, everything)

    settings = load_settings()

    assert settings.app_env is AppEnv.STAGING
    assert settings.gateway_internal_url == REQUIRED_VALUES["GATEWAY_INTERNAL_URL"]
    assert settings.ops_password.get_secret_value() == everything["OPS_PASSWORD"]


@mock_aws
def test_the_required_check_applies_after_the_overlay(clean_env):
    _deployed(clean_env)
    clean_env.delenv("SMS_FROM_NUMBER")
    clean_env.setenv("OPS_PASSWORD", "ops1")  # weak in the environment, strong in the secret
    _secret_holding(clean_env, {"OPS_PASSWORD": "o" * MIN_SECRET_LENGTH})
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value) == (
        "SMS_FROM_NUMBER: required (the local default points at this machine), refused in staging"
    )


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
