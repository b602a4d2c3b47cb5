"""Errors of the cross-field rules of the arch's pydantic models, blaming one field.

A model validator raises :func:`rule_error` with the field it blames; pydantic keeps the
field and the message as structured context (``ctx``), so the loader maps the error back
to the YAML key and line (:func:`grcim.arch.spec._model_error`) without parsing text.
"""

from __future__ import annotations

from pydantic_core import PydanticCustomError

__all__ = ["RULE", "rule_error"]

RULE = "arch_rule"
"""pydantic error type of a cross-field rule."""


def rule_error(field: str, message: str) -> PydanticCustomError:
    """The error of a rule that ``field`` breaks (``message`` says what is allowed)."""
    return PydanticCustomError(RULE, "{field}: {message}", {"field": field, "message": message})
