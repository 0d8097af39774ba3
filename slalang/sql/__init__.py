"""Rule files compiled to SQL (sqlglot expression trees), for batch engines.

`slalang.sql.calendar` builds the calendar and range tables and the due-time query."""

from slalang.sql.calendar import (
    calendar_rows,
    calendar_sql,
    calendar_statements,
    due_query,
    due_query_sql,
    range_rows,
)

__all__ = ["calendar_rows", "calendar_sql", "calendar_statements", "due_query", "due_query_sql", "range_rows"]
