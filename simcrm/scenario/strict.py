"""Booleans are not numbers: a mixin that refuses ``true`` where a number is expected.

pydantic (in its lax mode, which lets a TOML integer fill a float field) takes ``true``
as 1 for an int or a float field. :class:`NoBooleanNumbers` refuses a boolean — alone, in
a list or pair, or as a value of a table — for every field whose type does not take one.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator


def takes_boolean(annotation: object) -> bool:
    """Whether a field's type accepts a boolean anywhere (``bool``, ``Any``, or a type
    that contains one of them)."""
    if annotation is bool or annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return takes_boolean(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return any(isinstance(a, bool) for a in typing.get_args(annotation))
    return any(takes_boolean(a) for a in typing.get_args(annotation) if a is not Ellipsis)


def holds_boolean(value: object, *, table: bool = False, depth: int = 0) -> bool:
    """Whether ``value`` is a boolean, or a list or pair holding one; with ``table``, also
    a table (a ``dict[str, number]`` field) whose values hold one. Tables inside are
    left to the models that validate them."""
    if isinstance(value, bool):
        return True
    if depth > 4:
        return False
    if isinstance(value, list | tuple):
        return any(holds_boolean(v, depth=depth + 1) for v in value)
    if table and isinstance(value, dict):
        return any(holds_boolean(v, depth=depth + 1) for v in value.values())
    return False


class NoBooleanNumbers(BaseModel):
    """A model whose number fields refuse booleans (``true`` is not 1)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name
        if name is None or (isinstance(value, int | float | str) and not isinstance(value, bool)):
            return value
        table = _table_field(cls, name)
        if holds_boolean(value, table=table) and not _field_takes_boolean(cls, name):
            raise ValueError(
                "a boolean is not a number: give a number here (true and false are not 1 and 0)"
            )
        return value


@functools.cache
def _table_field(model: type[BaseModel], name: str) -> bool:
    """Whether a field holds a table of plain values (``dict[str, …]``)."""
    info = model.model_fields.get(name)
    annotation: object = None if info is None else info.annotation
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = members[0] if len(members) == 1 else None
    return typing.get_origin(annotation) is dict


@functools.cache
def _field_takes_boolean(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields.get(name)
    if info is None:
        return True
    return takes_boolean(info.annotation) or any(
        isinstance(m, type) and m is bool for m in info.metadata
    )


__all__ = ["NoBooleanNumbers", "holds_boolean", "takes_boolean"]
