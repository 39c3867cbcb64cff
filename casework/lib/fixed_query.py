"""A SELECT whose shape never changes, compiled by the ORM once per process.

Every signed-in request loads the user with the active membership, and every case page loads
the case with its six joins. Building and compiling those querysets cost the ORM about a
millisecond of CPU each time (more than PostgreSQL spends answering them), for SQL that
differs only in its parameters (decision 337). On PostgreSQL the statement is also prepared
on the server, so it is planned once per connection rather than on every request.

A `FixedQuery` builds its queryset once with a sentinel for each argument, keeps the SQL the
compiler made and where the sentinels stand among its parameters, and then runs that SQL with
the caller's values, building the instances as the ORM's own iterator does (`select_related`
included). It applies only where the SQL cannot depend on the values: comparisons (=, <, >) with values
that are never None (None would compile to IS NULL, so it goes through the ORM), each value
prepared for the database by the very lookup that prepared its sentinel. A test
compares the kept SQL with a fresh compilation for other values, and the instances with the
ORM's, so a Django upgrade that compiles differently fails there, not in production.
"""

import contextlib
import datetime
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual, Lookup
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.models.sql.where import WhereNode

M = TypeVar("M", bound=Model)

# The lookups whose one value is one parameter of the SQL, whatever the value.
COMPARISONS = (Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    # For each parameter, the index of the argument it takes, or None: a constant of the query.
    takes: tuple[int | None, ...]
    # For each argument, the lookup that compared it: it prepares the caller's value for the
    # database as it prepared the sentinel (a UUID becomes text on SQLite, for example).
    lookups: tuple[Lookup, ...]
    compiler: Any
    model: type[Model]
    init_list: list[str]
    fields: slice
    populators: list


class FixedQuery(Generic[M]):
    """`build(*args)` is the queryset (ordered and sliced as it is to run); `kinds` are the
    arguments' types (int, str, UUID, datetime), of which the query compiles a sentinel."""

    # Every fixed query made, for the test that compares each with the ORM.
    made: list["FixedQuery"] = []

    def __init__(self, build: Callable[..., QuerySet[M]], *kinds: type):
        FixedQuery.made.append(self)
        self.kinds = kinds
        self.build = build
        self.sentinels = tuple(_sentinel(kind) for kind in kinds)
        self._compiled: dict[str, _Compiled] = {}
        self._model: type[Model] | None = None

    def __call__(self, *args: Any, known: Mapping[str, Model] | None = None) -> list[M]:
        """The rows for these arguments. `known` names foreign keys whose object the caller
        has (the case whose lines these are), set on each row as a related manager would."""
        rows = self._rows(args)
        for name, obj in (known or {}).items():
            field = rows[0]._meta.get_field(name) if rows else None
            for row in rows:
                field.set_cached_value(row, obj)  # type: ignore[union-attr]
        return rows

    def _rows(self, args: tuple) -> list[M]:
        if len(args) != len(self.sentinels):
            raise TypeError(f"expected {len(self.sentinels)} arguments, got {len(args)}")
        if any(arg is None for arg in args):
            return list(self.build(*args))
        alias = self._alias()
        compiled = self._compile(alias)
        with _cursor(connections[alias]) as cursor:
            cursor.execute(compiled.sql, self._params(compiled, alias, args))
            rows = cursor.fetchall()
        return [self._instance(compiled, alias, row) for row in compiled.compiler.results_iter([rows])]

    def statement(self, *args: Any) -> tuple[str, list]:
        """The SQL and parameters these arguments run (what the tests compare with the ORM's)."""
        alias = self._alias()
        compiled = self._compile(alias)
        return compiled.sql, self._params(compiled, alias, args)

    @staticmethod
    def _params(compiled: _Compiled, alias: str, args: tuple) -> list:
        connection = connections[alias]
        values = [_for_database(lookup, arg, connection) for lookup, arg in zip(compiled.lookups, args, strict=True)]
        return [compiled.params[i] if taken is None else values[taken] for i, taken in enumerate(compiled.takes)]

    def _alias(self) -> str:
        """Where the queryset would read (the replica router may send it elsewhere)."""
        if self._model is None:
            self._model = self.build(*self.sentinels).model
        return router.db_for_read(self._model)

    def _compile(self, alias: str) -> _Compiled:
        compiled = self._compiled.get(alias)
        if compiled is None:  # two threads may both compile: the same answer, kept once
            compiled = self._compiled[alias] = self._compile_for(self.build(*self.sentinels), alias)
        return compiled

    def _compile_for(self, queryset: QuerySet[M], alias: str) -> _Compiled:
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        lookups = tuple(self._lookup_of(queryset.query.where, sentinel) for sentinel in self.sentinels)
        pairs = zip(lookups, self.sentinels, strict=True)
        prepared = [_for_database(lookup, sentinel, connection) for lookup, sentinel in pairs]
        takes = tuple(_index(prepared, param) for param in params)
        missing = set(range(len(self.sentinels))) - {taken for taken in takes if taken is not None}
        if missing:
            raise ValueError(f"arguments {sorted(missing)} are not parameters of the compiled SQL")
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            takes=takes,
            lookups=lookups,
            compiler=compiler,
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]],
            fields=slice(start, end),
            populators=get_related_populators(klass_info, select, alias),
        )

    @staticmethod
    def _lookup_of(where: WhereNode, sentinel: Any) -> Lookup:
        """The lookup of the WHERE clause that compares a column with `sentinel`."""
        for child in where.children:
            if isinstance(child, WhereNode):
                with contextlib.suppress(LookupError):
                    return FixedQuery._lookup_of(child, sentinel)
            elif isinstance(child, COMPARISONS) and type(child.rhs) is type(sentinel) and child.rhs == sentinel:
                return child
        raise LookupError(f"no exact lookup compares {sentinel!r}")

    @staticmethod
    def _instance(compiled: _Compiled, alias: str, row) -> Any:
        instance = compiled.model.from_db(alias, compiled.init_list, row[compiled.fields])
        for populator in compiled.populators:
            populator.populate(row, instance)
        return instance


def _cursor(connection) -> Any:
    """Django's cursor, except on PostgreSQL: a cursor binding its parameters on the server, so
    psycopg prepares the statement there once per connection (`prepare_threshold` 0 in the
    settings; Django's own cursors bind on the client and never prepare). PostgreSQL then
    plans the statement once instead of on every run: the case's seven tables took it ~2 ms
    to plan and 0.2 to run. The cursor is wrapped as Django wraps its own, so the execute
    wrappers (the bench's query count) see the statement."""
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None
        # Django logs a statement as psycopg last sent it, and a prepared one is sent by name:
        # where statements are logged (DEBUG, tests capturing them), they run unprepared.
        or connection.queries_logged
    ):
        return connection.cursor()
    import psycopg  # only where PostgreSQL is configured

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(psycopg.Cursor(connection.connection))


_made = itertools.count(1)


def _sentinel(kind: type) -> Any:
    """A value of `kind` no query of this project compares with: each one different."""
    n = next(_made)
    if kind is int:
        return -7_000_000_000 - n
    if kind is str:
        return f"\x00sentinel-{n}"
    if kind is UUID:
        return UUID(int=0x5E471E00_0000 + n)
    if kind is datetime.datetime:
        return datetime.datetime(1901, 2, 3, 4, 5, 6, n, tzinfo=datetime.UTC)
    raise TypeError(f"no sentinel for {kind!r}")


def _for_database(lookup: Lookup, value: Any, connection) -> Any:
    """`value` as the lookup hands it to the database (Django's own two steps)."""
    if lookup.prepare_rhs:
        value = lookup.lhs.output_field.get_prep_value(value)
    return lookup.get_db_prep_lookup(value, connection)[1][0]


def _index(prepared: list, param: Any) -> int | None:
    for index, value in enumerate(prepared):
        if type(param) is type(value) and param == value:
            return index
    return None
