"""A record's dataclass fields drive its storage columns, its JSON and its reading back.

Scalars become columns of their own, a nested dataclass (a control's `box`) becomes prefixed columns
(`box_x`, `box_y`, ...), and anything else (tuples, lists, dicts) is stored as JSON text. Reading back goes
through pydantic, which rebuilds the nested dataclasses, tuples and enumerations from plain data.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

T = TypeVar("T")

_SCALARS = (str, int, float, bool)


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    path: tuple[str, ...]
    json: bool
    sql: str
    optional: bool = False
    """None is a value of the field; otherwise a NULL (a column added since the row was written) means the
    field's default."""

    def value(self, record: object) -> Any:
        for part in self.path:
            if record is None:
                return None
            record = getattr(record, part)
        if self.json:
            return dump_json(record)
        if isinstance(record, Enum):
            return record.value
        return record


@cache
def _adapter(cls: Any) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def jsonable(record: object) -> Any:
    """The record as plain JSON data: nested records become objects, tuples lists, enumerations strings."""
    kind: Any = type(record)
    return _adapter(kind).dump_python(record, mode="json")


def canonical_json(record: object) -> str:
    """The record as compact JSON without the fields left at their default: stable when fields are added."""
    kind: Any = type(record)
    data = _adapter(kind).dump_python(record, mode="json", exclude_defaults=True)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def dump_json(value: object) -> str:
    data = jsonable(value) if dataclasses.is_dataclass(value) else _plain(value)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _plain(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def build(cls: type[T], data: Mapping[str, Any]) -> T:
    """The record from plain data (its JSON, or `unflatten`'s output)."""
    return typing.cast(T, _adapter(typing.cast(Any, cls)).validate_python(data))


def _unwrap_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        others = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(others) == 1:
            return others[0]
    return hint


def _sql_type(hint: Any) -> str:
    if isinstance(hint, type) and issubclass(hint, bool | int):
        return "INTEGER"
    if isinstance(hint, type) and issubclass(hint, float):
        return "REAL"
    return "TEXT"


@cache
def columns(
    cls: Any,
    part: str | None = None,
    exclude: tuple[str, ...] = (),
    rename: tuple[tuple[str, str], ...] = (),
) -> tuple[Column, ...]:
    """The storage columns of `cls`'s fields whose metadata `part` is `part` (None: fields without one).

    `rename` gives a field's column another name (a name kept from an older schema).
    """
    hints = typing.get_type_hints(cls)
    names = dict(rename)
    found: list[Column] = []
    for f in dataclasses.fields(cls):
        if f.name in exclude or f.metadata.get("part") != part:
            continue
        optional = _unwrap_optional(hints[f.name]) is not hints[f.name]
        hint = _unwrap_optional(hints[f.name])
        name = names.get(f.name, f.name)
        if dataclasses.is_dataclass(hint):
            found.extend(
                Column(f"{name}_{inner.name}", (f.name, *inner.path), inner.json, inner.sql)
                for inner in columns(typing.cast(Any, hint))
            )
        elif isinstance(hint, type) and issubclass(hint, _SCALARS):
            found.append(Column(name, (f.name,), False, _sql_type(hint), optional))
        else:
            found.append(Column(name, (f.name,), True, "TEXT", optional))
    return tuple(found)


def flatten(record: object, cols: Sequence[Column]) -> tuple[Any, ...]:
    return tuple(column.value(record) for column in cols)


def unflatten(cols: Iterable[Column], row: Mapping[str, Any]) -> dict[str, Any]:
    """Plain data for `build` from a row of `cols`; a nested record whose columns are all NULL is None."""
    data: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for column in cols:
        value = row[column.name]
        if value is None and not column.optional and len(column.path) == 1:
            continue
        if column.json and value is not None:
            value = json.loads(value)
        if len(column.path) == 1:
            data[column.path[0]] = value
        else:
            nested.setdefault(column.path[0], {})[column.path[1]] = value
    for name, values in nested.items():
        data[name] = None if all(v is None for v in values.values()) else values
    return data
