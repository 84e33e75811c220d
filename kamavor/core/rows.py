"""Model instances from hand-written SELECTs, for the few reads every desk request makes.

Building a queryset and compiling it to SQL costs the ORM about half a millisecond of Python
for a one-row lookup: more than the statement itself on SQLite, and paid on every request by
the token lookup, the point and the items of a posting. These helpers let such a read be
written once as SQL (the columns named by the model, so a new field is read too) and turn its
rows into the same full model instances the ORM would, with the same conversions of values
(the backend's and the fields' own converters, as the ORM's compiler applies them).

Only fixed, simple reads belong here; everything else stays with the ORM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence, Sized
from decimal import Decimal
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import ForeignKey, Model, fields, signals
from django.db.models.base import ModelState


def _db():
    """This thread's connection itself: `django.db.connection` is a proxy that looks the
    thread's connection up again on every attribute read (a few microseconds each, and the
    field converters and value preparations read it hundreds of times in a ten-line posting)."""
    return connections[DEFAULT_DB_ALIAS]


@cache
def _shape(model: type[Model], vendor: str) -> tuple[list[str], list[tuple]]:
    """The model's concrete fields' attribute names, and the converters of those that have
    any (index, converters, column expression)."""
    fields = model._meta.concrete_fields
    names = [field.attname for field in fields]
    converting = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if converters:
            converting.append((index, tuple(converters), column))
    return names, converting


def columns(model: type[Model], alias: str) -> str:
    """The model's columns for a SELECT list, qualified by the table's alias, in the order
    `instance` reads them."""
    return _columns(model, alias, connection.vendor)


@cache
def _columns(model: type[Model], alias: str, vendor: str) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def table(model: type[Model]) -> str:
    """The model's table, quoted for this database."""
    return connection.ops.quote_name(model._meta.db_table)


def marks(values: Sized) -> str:
    """As many parameter marks as values, for an IN (...)."""
    return ", ".join("%s" for _ in range(len(values)))


def array(values: Iterable) -> str:
    """A PostgreSQL array literal of these values (whole numbers, text, dates and times,
    decimals, booleans, None), for a `%s::<type>[]` parameter that the server casts. psycopg
    adapts a Python list element by element in Python (telling each element's type, then
    dumping it): about a twelfth of a posting's CPU in the app when its statements send their
    rows as arrays. A literal is one string, adapted by the driver's C code."""
    out = []
    for value in values:
        kind = type(value)
        if kind is int or kind is Decimal:
            out.append(str(value))
        elif value is None:
            out.append("NULL")
        elif kind is str:
            out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif kind is bool:
            out.append("t" if value else "f")
        elif isinstance(value, dt.date):  # a date, or a date and time (with its time zone)
            out.append('"' + value.isoformat() + '"')
        elif isinstance(value, str):  # a choice's member
            out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(value, int):  # a choice's member (a boolean was told above)
            out.append(str(int(value)))
        else:
            raise TypeError(f"no array literal for {kind.__name__}")
    return "{" + ",".join(out) + "}"


def one_of(column: str, values: Collection, db_type: str = "bigint") -> tuple[str, list]:
    """SQL keeping the rows whose `column` is one of `values`, and its parameters. On
    PostgreSQL one array (`column = ANY(%s::bigint[])`): the statement's text is then the same
    however many values there are, so the driver prepares it once per connection and the
    server plans it once, instead of parsing and planning each new count of values afresh.
    Elsewhere `column IN (%s, …)`."""
    values = list(values)
    if _db().vendor == "postgresql":
        return f"{column} = ANY(%s::{db_type}[])", [array(values)]
    return f"{column} IN ({marks(values)})", values


def load(model: type[Model], where: str, params: Sequence, *, along: str = "") -> list[Model]:
    """The instances of `SELECT <the model's columns> FROM <its table> t WHERE <where>`;
    `along` names a (non-null) foreign key whose object is read in the same SELECT (as
    select_related would), its table aliased r."""
    if not along:
        sql = f"SELECT {columns(model, 't')} FROM {table(model)} t WHERE {where}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [instance(model, row) for row in cursor.fetchall()]
    field = model._meta.get_field(along)
    other = field.related_model
    sql = (
        f"SELECT {columns(model, 't')}, {columns(other, 'r')} FROM {table(model)} t "
        f"JOIN {table(other)} r ON r.{connection.ops.quote_name(other._meta.pk.column)} = "
        f"t.{connection.ops.quote_name(field.column)} WHERE {where}"
    )
    start = width(model)
    found = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            obj = instance(model, row)
            related(obj, along, instance(other, row, start))
            found.append(obj)
    return found


def width(model: type[Model]) -> int:
    """How many columns `columns` names."""
    return len(model._meta.concrete_fields)


def instance(model: type[Model], row: Sequence, start: int = 0) -> Model:
    """The model instance from `row[start:start + width(model)]`, as the ORM would build it."""
    db = _db()
    names, converting = _shape(model, db.vendor)
    values = list(row[start : start + len(names)])
    for index, converters, column in converting:
        value = values[index]
        for convert in converters:
            value = convert(value, column, db)
        values[index] = value
    if not _plain(model):
        return model.from_db(db.alias, names, values)
    # What Model.from_db and Model.__init__ do for a full row of a model that changes neither
    # and whose instances no one listens to (each field's value set, a saved state), without
    # their per-field descriptor and signal machinery: a third of a ten-line posting's models.
    obj = model.__new__(model)
    obj.__dict__.update(zip(names, values, strict=True))
    state = obj._state = ModelState()
    state.adding, state.db = False, db.alias
    return obj


@cache
def _plain(model: type[Model]) -> bool:
    """Whether the model's instances may be built by filling their fields in (no __init__ or
    from_db of its own, no pre_init or post_init receivers, as image fields connect)."""
    return (
        model.__init__ is Model.__init__
        and model.from_db.__func__ is Model.from_db.__func__
        and not signals.pre_init.has_listeners(model)
        and not signals.post_init.has_listeners(model)
    )


def related(instance_: Model, name: str, other: Model) -> None:
    """Attach `other` as `instance_.<name>` (a foreign key read along), as select_related
    would, so reading it asks no query."""
    instance_._state.fields_cache[name] = other


def instance_value(field, value):
    """One column's value as the ORM would give it for this model field."""
    return converter(field)(value)


def converter(field) -> Callable:
    """A function that turns one column's value into what the ORM gives for this field."""
    return _converter(field, connection.vendor)


@cache
def _converter(field, vendor: str) -> Callable:
    column = field.get_col(field.model._meta.db_table)
    steps = tuple(connection.ops.get_db_converters(column) + field.get_db_converters(connection))
    if not steps:
        return lambda value: value

    def convert(value):
        db = _db()
        for step in steps:
            value = step(value, column, db)
        return value

    return convert


def insert(objects: Sequence[Model]) -> Sequence[Model]:
    """Write new instances of one model in one INSERT … RETURNING their ids, as bulk_create
    does (no signals, defaults and auto_now_add applied by the fields), without its
    compilation; the instances get their ids and are marked saved. Their foreign keys must be
    set by id or by saved objects (as bulk_create requires too)."""
    if not objects:
        return objects
    model = type(objects[0])
    db = _db()
    fields, sql = _insert_shape(model, db.vendor)
    if _array_types(model, db.vendor):
        return _insert_arrays(model, objects)
    rows_sql = "(" + ", ".join("%s" for _ in fields) + ")"
    with db.cursor() as cursor:
        for start in range(0, len(objects), 500):  # well within SQLite's limit of parameters
            batch = objects[start : start + 500]
            params = _prepared(model, batch, db)
            cursor.execute(sql.format(rows=", ".join(rows_sql for _ in batch)), params)
            for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = db.alias
    return objects


# PostgreSQL: an INSERT sends one array per column (unnest) instead of a parameter per value,
# so that its text is the same for any number of rows: the driver converts it and prepares it
# once per connection, and the server plans it once (a parameter per value made a new
# statement for each number of rows, parsed and planned afresh).
_ARRAY_TYPES = ("bigint", "integer", "smallint", "date", "varchar", "text", "numeric", "boolean",
                "timestamp with time zone")  # fmt: skip


@cache
def _array_types(model: type[Model], vendor: str) -> list[str] | None:
    """On PostgreSQL, each inserted column's type for an array of its values; None when some
    column's values do not travel in arrays as they are (JSON) or not on PostgreSQL (see the
    note above `_ARRAY_TYPES`)."""
    if vendor != "postgresql":
        return None
    fields, _sql = _insert_shape(model, vendor)
    types = [field.db_type(connection) for field in fields]
    if not all(t and t.startswith(_ARRAY_TYPES) for t in types):
        return None
    return types


def _insert_arrays(model: type[Model], objects: Sequence[Model]) -> Sequence[Model]:
    """`insert` on PostgreSQL with one array parameter per column (as bulk_create does there):
    INSERT … SELECT * FROM unnest(…) RETURNING the ids, in the order of the arrays."""
    db = _db()
    fields, _sql = _insert_shape(model, db.vendor)
    sql = _array_insert(model, db.vendor)
    flat = _prepared(model, objects, db)  # row after row: one column is every n-th value
    params = [array(flat[at :: len(fields)]) for at in range(len(fields))]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = db.alias
    return objects


@cache
def arrays(model: type[Model], names: Sequence[str]) -> str:
    """`%s::<type>[]` for each of these columns (attribute names) of the model, comma-separated:
    the parameters of an `unnest(…)` on PostgreSQL, one array per column."""
    return _arrays(model, tuple(names), _db().vendor)


@cache
def _arrays(model: type[Model], names: tuple[str, ...], vendor: str) -> str:
    # Cached: a field's db_type is worked out afresh on each call (a foreign key's even makes
    # a field of its target's type to ask it), a measurable part of a posting's CPU.
    types = [model._meta.get_field(name).db_type(connection) for name in names]
    return ", ".join(f"%s::{t}[]" for t in types)


@cache
def _array_insert(model: type[Model], vendor: str) -> str:
    fields, _sql = _insert_shape(model, vendor)
    types = _array_types(model, vendor)
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    return (
        f"INSERT INTO {table(model)} ({names}) SELECT * FROM unnest({arrays}) "
        f"RETURNING {quote(model._meta.pk.column)}"
    )


def values(objects: Sequence[Model]) -> tuple[str, str, list]:
    """For a hand-written INSERT of new instances of one model: its columns (all but the
    primary key), the VALUES rows' marks, and their parameters, as `insert` writes them."""
    db = _db()
    fields, _sql = _insert_shape(type(objects[0]), db.vendor)
    quote = db.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join("%s" for _ in fields) + ")"
    return names, ", ".join(row for _ in objects), _prepared(type(objects[0]), objects, db)


def _prepared(model: type[Model], objects: Sequence[Model], db) -> list:
    """The INSERT's parameters: each field's value as `get_db_prep_save(pre_save(…))` gives
    it, taken as it is where that is known to give it back unchanged (a whole number for an
    integer or a foreign key to one, text for text, True or False, None)."""
    plan = _plan(model, db.vendor)
    params = []
    for obj in objects:
        for attname, kinds, field in plan:
            if kinds:
                value = getattr(obj, attname)
                if value is None or type(value) in kinds:
                    params.append(value)
                    continue
            params.append(field.get_db_prep_save(field.pre_save(obj, True), db))
    return params


# Fields whose preparation for the database returns a value of these exact types unchanged
# (exact classes only: a subclass, as a sealed field is, may prepare its values otherwise).
_TEXT = (str,)
_WHOLE = (int,)
_KINDS = {
    fields.CharField: _TEXT,
    fields.TextField: _TEXT,
    fields.IntegerField: _WHOLE,
    fields.BigIntegerField: _WHOLE,
    fields.SmallIntegerField: _WHOLE,
    fields.PositiveIntegerField: _WHOLE,
    fields.PositiveBigIntegerField: _WHOLE,
    fields.PositiveSmallIntegerField: _WHOLE,
    fields.BooleanField: (bool,),
}
_KEYS = (fields.AutoField, fields.BigAutoField, fields.SmallAutoField)


@cache
def _plan(model: type[Model], vendor: str) -> list[tuple]:
    """(attname, the value types taken as they are or (), field) per inserted field."""
    plan = []
    for field in _insert_shape(model, vendor)[0]:
        kinds = _KINDS.get(type(field), ())
        if type(field) is ForeignKey and type(field.target_field) in _KEYS:
            kinds = _WHOLE
        plan.append((field.attname, kinds, field))
    return plan


@cache
def _insert_shape(model: type[Model], vendor: str) -> tuple[list, str]:
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    names = ", ".join(quote(field.column) for field in fields)
    pk = quote(model._meta.pk.column)
    return fields, f"INSERT INTO {table(model)} ({names}) VALUES {{rows}} RETURNING {pk}"
