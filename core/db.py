"""Database helpers for the hottest read paths."""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections


class CompiledLookup:
    """``model.objects.filter(<field>=value, **fixed)``, its SQL compiled once per database.

    Django compiles a queryset's SQL every time it runs it. For the user lookup that every
    authenticated request makes, that was about 200 µs of its 400 on our machines, while the
    query itself runs in about 40 (docs/platform/performance.md). Here the lookup is compiled by
    the ORM the first time, then the same SQL runs with the new value in its parameter's place;
    the row becomes a model instance as the ORM makes it (``Model.from_db``), its columns
    converted by the converters the ORM's compiler chose for them, also found once. (``raw()``
    did this too, but matched the columns to the fields and looked up their converters again for
    every row: four fifths of the lookup's time.)

    Only for an equality lookup on one concrete field (its value is exactly one parameter of the
    query); the first row is returned, so the lookup should be on a unique field. The fixed filters
    are compiled with the lookup, so they must be constants (no ``timezone.now()``), and the
    database is the one named by ``using`` (no router is asked)."""

    def __init__(self, model, field_name: str, **fixed):
        self.model = model
        self.field = model._meta.get_field(field_name)
        self.field_name = field_name
        self.fixed = fixed
        self._compiled: dict[str, _Compiled] = {}

    def first(self, value, using: str = DEFAULT_DB_ALIAS):
        if value is None:
            return None
        manager = self.model._default_manager.db_manager(using)
        connection = connections[using]
        prepared = self.field.get_db_prep_value(value, connection)
        compiled = self._compiled.get(using)
        if compiled is None:
            queryset = manager.filter(**self.fixed, **{self.field_name: value}).order_by()
            compiler = queryset.query.get_compiler(using)
            sql, params = compiler.as_sql()
            positions = [index for index, param in enumerate(params) if param == prepared]
            if len(positions) != 1:
                # The value equals a fixed filter's parameter: which one it is cannot be told, so
                # this call runs through the ORM and a later value compiles the lookup.
                return queryset.first()
            columns = [column for column, _, _ in compiler.select]
            field_names = [field.attname for field in self.model._meta.concrete_fields]
            if [column.target.attname for column in columns] != field_names:
                raise ImproperlyConfigured(f"{self.model.__name__}'s manager selects more than its fields.")
            converters = [
                (index, functions, column) for index, (functions, column) in compiler.get_converters(columns).items()
            ]
            compiled = self._compiled[using] = _Compiled(sql, tuple(params), positions[0], field_names, converters)
        params = [*compiled.params[: compiled.position], prepared, *compiled.params[compiled.position + 1 :]]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, functions, column in compiled.converters:
            for function in functions:
                values[index] = function(values[index], column, connection)
        return self.model.from_db(using, compiled.field_names, values)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    position: int
    field_names: list[str]  # the model's concrete fields, in the order the SQL selects them
    converters: list  # (column index, the ORM's converter functions for it, the column)
