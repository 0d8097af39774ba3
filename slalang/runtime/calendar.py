"""Business calendars for the runtime: the kernel lives in
`slalang.businesstime` (shared with the comparison of targets); this module
re-exports it so `slalang.runtime.calendar` imports keep working."""

from __future__ import annotations

from slalang.businesstime import (
    _EPOCH_ORDINAL,
    DAY,
    WEEKDAY_INDEX,
    BusinessCalendar,
    CalendarRangeError,
    _epoch,
    _hm,
    offset_stretches,
    utc_offset,
)

__all__ = [
    "DAY",
    "WEEKDAY_INDEX",
    "_EPOCH_ORDINAL",
    "BusinessCalendar",
    "CalendarRangeError",
    "_epoch",
    "_hm",
    "offset_stretches",
    "utc_offset",
]
