"""SMS bodies come from Jinja2 templates in `shared/sms/templates/`, never from code strings.

Templates are plain text (`<name>.txt.j2`); an undefined variable is an
error rather than a silent blank, and a body longer than the provider's limit
is refused before it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

# The provider (Twilio) rejects message bodies longer than this (characters). Sending does not
# check it: what we compose (templates) and what advisors type (the bff) is held under it here.
MAX_BODY_CHARS = 1_600


class SmsTemplateError(ValueError):
    """A template is missing, needs a variable that was not given, or renders too long."""


class SmsTemplates:
    """Renders SMS bodies from the packaged templates."""

    def __init__(self, loader: jinja2.BaseLoader | None = None) -> None:
        self._env = jinja2.Environment(
            loader=loader or jinja2.PackageLoader("shared.sms", "templates"),
            # SMS is plain text: there is no markup to escape.
            autoescape=False,  # noqa: S701
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=False,
        )

    def names(self) -> list[str]:
        """Template names available to `render`, without the `.txt.j2` suffix."""
        return sorted(
            name.removesuffix(".txt.j2")
            for name in self._env.list_templates()
            if name.endswith(".txt.j2")
        )

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """The message body for template `name` with `context`."""
        try:
            body = self._env.get_template(f"{name}.txt.j2").render(**context).strip()
        except jinja2.TemplateNotFound:
            raise SmsTemplateError(f"no SMS template named {name!r}") from None
        except jinja2.UndefinedError as exc:
            raise SmsTemplateError(f"SMS template {name!r}: {exc.message}") from None
        if not body:
            raise SmsTemplateError(f"SMS template {name!r} rendered an empty body")
        if len(body) > MAX_BODY_CHARS:
            raise SmsTemplateError(f"SMS template {name!r} rendered {len(body)} characters")
        return body
