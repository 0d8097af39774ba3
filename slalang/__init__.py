"""slalang — SLA contracts as code.

One `.sla` source is the single truth from which the bilingual commitment
letter, the machine-readable rule files and reviewable diffs are derived.
This package root stays import-light: the CLI's start-up time depends on it.
"""

__version__ = "0.1.0"
