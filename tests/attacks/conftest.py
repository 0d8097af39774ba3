"""The attack suite (issue 14): hostile contracts, rule files, letters and
ticket data, each a property or a case that once broke slalang. Every test
here must finish well under a second per example; the whole suite runs in the
normal test command in under two minutes (docs/security.md)."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "attacks",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
