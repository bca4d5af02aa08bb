"""`column IN (values)` that compiles once: `column = ANY(:array)` on PostgreSQL, one parameter whatever the
number of values. An expanding IN renders a parameter per value, so every batch size is a new statement for
SQLAlchemy to render and for psycopg to parse and prepare: on a dispatcher claiming and recording hundreds of
rows at a time that was about a seventh of its CPU. Elsewhere (SQLite) the plain IN."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def among(column: ColumnElement[Any], values: Iterable[Any], *, postgres: bool) -> ColumnElement[bool]:
    """`column` is one of `values`."""
    values = list(values)
    if postgres:
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
