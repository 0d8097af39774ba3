"""Rule files compiled to SQL (sqlglot expression trees), for batch engines.

`slalang.sql.calendar` builds the calendar tables and the due-time query."""

from slalang.sql.calendar import (
    calendar_rows,
    calendar_sql,
    calendar_statements,
    due_query,
    due_query_sql,
)

__all__ = ["calendar_rows", "calendar_sql", "calendar_statements", "due_query", "due_query_sql"]
