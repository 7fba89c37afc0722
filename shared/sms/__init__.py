"""SMS product copy: the bodies the bff and the gateway's reminders job render from templates.

It sits in `shared/` because both deployables render it; the SMS connector only sends.

Public API: `SmsTemplates().render(name, context) -> str` (templates live in `templates/`),
`SmsTemplateError`, and `MAX_BODY_CHARS`, the longest body we compose or accept.
"""

from shared.sms.templates import MAX_BODY_CHARS, SmsTemplateError, SmsTemplates

__all__ = ["MAX_BODY_CHARS", "SmsTemplateError", "SmsTemplates"]
