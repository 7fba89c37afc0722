"""X-Twilio-Signature: the provider's published examples, and any changed byte is refused."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from connectors.errors import WebhookVerificationError
from connectors.sms import StatusCallback, TwilioSignatureValidator, compute_twilio_signature
from connectors.sms.models import MessageStatus

# Twilio's request-validation documentation (auth token "12345"), older and current versions.
DOC_TOKEN = SecretStr("12345")
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
DOC_VECTORS = [
    ("https://mycompany.com/myapp.php?foo=1&bar=2", "+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
    ("https://mycompany.com/myapp.php?foo=1&bar=2", "+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="),
]

URL = "https://gateway.test/webhooks/sms?sms_id=42"
TOKEN = SecretStr("status-callback-token")
PARAMS = [
    ("AccountSid", "AC1"),
    ("MessageSid", "SM123"),
    ("MessageStatus", "delivered"),
    ("ApiVersion", "2010-04-01"),
]


@pytest.mark.parametrize(("url", "caller", "signature"), DOC_VECTORS)
def test_the_documented_examples_validate(url: str, caller: str, signature: str) -> None:
    params = {**DOC_PARAMS, "Caller": caller, "From": caller}
    assert compute_twilio_signature(DOC_TOKEN, url, params) == signature
    TwilioSignatureValidator(DOC_TOKEN).verify(url, params, signature)


def test_parameter_order_does_not_matter() -> None:
    signature = compute_twilio_signature(TOKEN, URL, PARAMS)
    assert TwilioSignatureValidator(TOKEN).is_valid(URL, list(reversed(PARAMS)), signature)


def _mutations(text: str) -> list[str]:
    return [text[:i] + chr(ord(c) ^ 1) + text[i + 1 :] for i, c in enumerate(text)]


def test_any_changed_byte_of_the_url_is_refused() -> None:
    signature = compute_twilio_signature(TOKEN, URL, PARAMS)
    validator = TwilioSignatureValidator(TOKEN)
    assert all(not validator.is_valid(url, PARAMS, signature) for url in _mutations(URL))


def test_any_changed_byte_of_a_parameter_name_or_value_is_refused() -> None:
    signature = compute_twilio_signature(TOKEN, URL, PARAMS)
    validator = TwilioSignatureValidator(TOKEN)
    for index, (name, value) in enumerate(PARAMS):
        for mutated in _mutations(value):
            params = [*PARAMS[:index], (name, mutated), *PARAMS[index + 1 :]]
            assert not validator.is_valid(URL, params, signature)
        for mutated in _mutations(name):
            params = [*PARAMS[:index], (mutated, value), *PARAMS[index + 1 :]]
            assert not validator.is_valid(URL, params, signature)


def test_an_added_or_dropped_parameter_is_refused() -> None:
    signature = compute_twilio_signature(TOKEN, URL, PARAMS)
    validator = TwilioSignatureValidator(TOKEN)
    assert not validator.is_valid(URL, PARAMS[1:], signature)
    assert not validator.is_valid(URL, [*PARAMS, ("ErrorCode", "")], signature)


def test_any_changed_byte_of_the_secret_or_the_header_is_refused() -> None:
    signature = compute_twilio_signature(TOKEN, URL, PARAMS)
    secret = TOKEN.get_secret_value()
    for mutated in _mutations(secret):
        assert not TwilioSignatureValidator(SecretStr(mutated)).is_valid(URL, PARAMS, signature)
    validator = TwilioSignatureValidator(TOKEN)
    for mutated in _mutations(signature):
        assert not validator.is_valid(URL, PARAMS, mutated)


def test_a_missing_signature_raises() -> None:
    with pytest.raises(WebhookVerificationError):
        TwilioSignatureValidator(TOKEN).verify(URL, PARAMS, None)


def test_a_verified_callback_reads_into_a_status() -> None:
    callback = StatusCallback.from_form(PARAMS)
    assert callback.message_sid == "SM123"
    assert callback.message_status is MessageStatus.DELIVERED
    assert callback.message_status.is_final
