"""The base of the API's request bodies: strict (unknown fields refused) and validated once.

django-ninja's Schema wraps what it validates in an attribute getter (so that a response can
be read from a model instance) and, when unknown fields are refused, validates it twice: once
as given, once through the getter. A request body is always the JSON object itself, so it is
validated as it is, once; the getter's cost was about a tenth of a ten-line donation's CPU.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, ModelWrapValidatorHandler, ValidationInfo, model_validator


class Body(Schema):
    """A request body: unknown fields refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo
    ) -> Any:
        # Replaces Schema's validator of the same name: the body as it is, validated once.
        return handler(values)
