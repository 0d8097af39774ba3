"""Local PySpark for the batch path's Spark SQL tests (tests/test_sql_spark.py):
one small session for the whole test run, the calendar tables made by the
Spark SQL `slalang sql --dialect spark` emits, and the input tables of
slalang/sql/inputs.py made from Python `Ticket` objects — the Spark twin of
tests/sqlharness.py's DuckDB loader.

    spark = start()                          # local[2], UI off, UTC, quiet
    use_contract(spark, "itops", rule_file)  # its own database, calendars loaded
    load_tickets(spark, rule_file, ts, Inputs(key="k"))
    rows = run(spark, query.sql(dialect="spark"))

The test needs a Java runtime (Debian `openjdk-17-jre-headless`) and PySpark
(the `test` extra); `scripts/setup.sh test` installs both. Without them the
tests fail, saying what is missing, unless SLALANG_NO_SPARK=1 is set.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from slalang.runtime import Ticket
from slalang.sql.calendar import calendar_sql
from slalang.sql.inputs import INSTANT_COLUMNS, NAME_COLUMNS, Inputs, flag_columns, start_columns

NO_SPARK = "SLALANG_NO_SPARK"
JAVA_MIN = 17  # PySpark 4 runs on Java 17 or 21
SETUP = "run `scripts/setup.sh test` (Debian openjdk-17-jre-headless and PySpark in .venv)"

# Spark's own logging (log4j2): nothing on the console — a query Spark
# refuses raises its error in Python, with its message.
_LOG4J = """\
rootLogger.level = off
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def skipped_on_purpose() -> bool:
    """The developer set SLALANG_NO_SPARK=1: the Spark tests skip (CI never sets it)."""
    return os.environ.get(NO_SPARK) == "1"


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def missing() -> str | None:
    """What the Spark test lacks (a sentence), or None when Java and PySpark are there."""
    java = _java()
    if java is None:
        return f"no Java runtime (no `java` on PATH, JAVA_HOME unset): {SETUP}"
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`{java} -version` failed ({exc}): {SETUP}"
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if m is None:
        return f"`{java} -version` printed no version: {SETUP}"
    major = int(m.group(1)) if m.group(1) != "1" else int(m.group(2) or 0)
    if major < JAVA_MIN:
        return f"{java} is Java {major}; PySpark needs Java {JAVA_MIN} or later: {SETUP}"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return f"PySpark is not installed in {sys.prefix}: {SETUP}"
    return None


class Session:
    """A started local Spark session, its start-up time and its scratch folder."""

    def __init__(self, spark, started_in: float, scratch: Path) -> None:
        self.spark, self.started_in, self.scratch = spark, started_in, scratch
        self.current: str | None = None
        self.databases: set[str] = set()
        self.made: set[tuple[str, str]] = set()  # (database, what) of `ensure_tables`
        self.times: dict[str, list[float]] = {}

    def timed(self, what: str, seconds: float) -> None:
        self.times.setdefault(what, []).append(seconds)

    def stop(self) -> None:
        try:
            self.spark.stop()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)


def start() -> Session:
    """local[2], 1 GB, UI and progress bars off, Spark's logging off, session
    time zone UTC, 2 shuffle partitions, a fresh warehouse folder. Spark's
    own SQL settings are left at their defaults (ANSI mode on in Spark 4),
    as a warehouse would have them."""
    t0 = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="slalang-spark-"))
    log4j = scratch / "log4j2.properties"
    log4j.write_text(_LOG4J, encoding="utf-8")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with warnings.catch_warnings():
        # PySpark warns about the pandas version at import; the test uses no pandas.
        warnings.simplefilter("ignore")
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master("local[2]")
            .appName("slalang-sql-spark-test")
            .config("spark.driver.memory", "1g")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
            .config("spark.local.dir", str(scratch / "local"))
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log4j.as_uri()}")
            .getOrCreate()
        )
    spark.sparkContext.setLogLevel("OFF")
    return Session(spark, time.perf_counter() - t0, scratch)


def codegen(session: Session, on: bool) -> None:
    """Spark's code generation on (its default) or off (expressions
    interpreted: the same results, and on these small inputs a third less
    CPU than compiling each query's CASE trees to Java)."""
    conf = session.spark.conf
    conf.set("spark.sql.codegen.wholeStage", "true" if on else "false")
    conf.set("spark.sql.codegen.factoryMode", "FALLBACK" if on else "NO_CODEGEN")


def database_name(contract: str) -> str:
    """A Spark database name for an example contract (contracts/sla/api.sla → c_sla_api)."""
    stem = contract.removeprefix("contracts/").removesuffix(".sla")
    return "c_" + re.sub(r"[^a-z0-9]+", "_", stem.lower())


def use_contract(session: Session, contract: str, rule_file) -> None:
    """Make `contract`'s database the current one, creating it with the
    calendar tables the emitted Spark SQL makes (`calendar_sql(…, "spark")`,
    run statement by statement) the first time."""
    spark = session.spark
    db = database_name(contract)
    if db not in session.databases:
        spark.sql(f"CREATE DATABASE {db}")
        spark.sql(f"USE {db}")
        t0 = time.perf_counter()
        for stmt in calendar_sql(rule_file, "spark"):
            spark.sql(stmt)
        session.timed("calendar tables", time.perf_counter() - t0)
        session.databases.add(db)
    elif session.current != db:
        spark.sql(f"USE {db}")
    session.current = db


def ensure_tables(session: Session, what: str, statements) -> None:
    """Run `statements` (sqlglot trees, rendered for Spark) in the current
    database, once per database and `what` (e.g. a builder's own tables)."""
    key = (session.current or "default", what)
    if key in session.made:
        return
    t0 = time.perf_counter()
    for stmt in statements:
        session.spark.sql(stmt.sql(dialect="spark"))
    session.timed(f"{what} tables", time.perf_counter() - t0)
    session.made.add(key)


def ticket_schema(rule_file, inputs: Inputs):
    """(column, Spark type) of the tickets table, as sqlharness.load_tickets makes it in DuckDB."""
    key = inputs.key
    flags, starts = flag_columns(rule_file), start_columns(rule_file)
    cols: list[tuple[str, str]] = [] if key == "id" else [(key, "bigint")]
    cols += [("id", "string"), ("priority", "string")]
    cols += [(c, "bigint") for c in INSTANT_COLUMNS if c == "opened_at" or inputs.has(c)]
    cols += [(c, "string") for c in NAME_COLUMNS if inputs.has(c)]
    cols += [(f, "boolean") for f in flags if inputs.has(f)]
    cols += [(s, "bigint") for s in starts if inputs.has(s)]
    return cols


def spark_type(sql_type: str):
    """The Spark type of a column type as the harnesses write them: BIGINT,
    VARCHAR/STRING/TEXT, BOOLEAN, DECIMAL(p, s) (any case)."""
    from pyspark.sql.types import BooleanType, DecimalType, LongType, StringType

    t = sql_type.strip().lower()
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    if m:
        return DecimalType(int(m.group(1)), int(m.group(2)))
    named = {"bigint": LongType, "varchar": StringType, "string": StringType, "text": StringType}
    named["boolean"] = BooleanType
    return named[t]()


def _struct(cols: list[tuple[str, str]]):
    from pyspark.sql.types import StructField, StructType

    return StructType([StructField(n, spark_type(t), True) for n, t in cols])


def load_tickets(session: Session, rule_file, tickets: list[Ticket], inputs: Inputs | None = None) -> None:
    """Register the tickets, pauses and updates tables of `inputs` as Spark
    temporary views (they shadow any table of that name): key column
    `inputs.key`, BIGINT, the ticket's index in `tickets` (or `id` itself
    when the key is `id`); only the optional columns in `inputs.present`
    when it is given. Values exactly as tests/sqlharness.py loads them."""
    inputs = inputs or Inputs(key="k")
    spark = session.spark
    key = inputs.key
    flags, starts = set(flag_columns(rule_file)), set(start_columns(rule_file))
    cols = ticket_schema(rule_file, inputs)
    ktype = "string" if key == "id" else "bigint"
    rows, pauses, updates = [], [], []
    for i, t in enumerate(tickets):
        k = t.id if key == "id" else i
        row: list = [] if key == "id" else [k]
        for name, _ in cols[(0 if key == "id" else 1) :]:
            if name in flags:
                row.append(name in t.flags)
            elif name in starts:
                row.append((t.instants or {}).get(name))
            else:
                row.append(getattr(t, name))
        rows.append(tuple(row))
        pauses.extend((k, a, b) for a, b in t.pauses)
        updates.extend((k, u) for u in t.updates)
    t0 = time.perf_counter()
    tables = (
        (inputs.tickets, cols, rows),
        (inputs.pauses, [(key, ktype), ("start_at", "bigint"), ("end_at", "bigint")], pauses),
        (inputs.updates, [(key, ktype), ("at", "bigint")], updates),
    )
    for name, schema, data in tables:
        spark.createDataFrame(data, _struct(schema)).createOrReplaceTempView(name)
    session.timed("input views", time.perf_counter() - t0)


def register(session: Session, name: str, cols: list[tuple[str, str]], rows: list[tuple]) -> None:
    """A temporary view `name` with columns `cols` ((name, type): `spark_type`) and `rows`."""
    session.spark.createDataFrame(rows, _struct(cols)).createOrReplaceTempView(name)


def run(session: Session, sql: str, what: str = "query") -> list[tuple]:
    """Run one Spark SQL query and collect its rows as tuples (timed under `what`)."""
    t0 = time.perf_counter()
    rows = [tuple(r) for r in session.spark.sql(sql).collect()]
    session.timed(what, time.perf_counter() - t0)
    return rows


def run_dicts(session: Session, sql: str, what: str = "query") -> list[dict]:
    """`run`, each row as a dict by column name."""
    t0 = time.perf_counter()
    df = session.spark.sql(sql)
    names = df.columns
    rows = [dict(zip(names, r)) for r in df.collect()]
    session.timed(what, time.perf_counter() - t0)
    return rows


def jvm_cpu_seconds(session: Session) -> float | None:
    """CPU seconds the Spark JVM has used so far (Linux; None elsewhere):
    wall times depend on what else the machine runs, this much less."""
    proc = getattr(session.spark.sparkContext._gateway, "proc", None)
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (AttributeError, OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timing_summary(session: Session) -> str:
    """One line: start-up, then the median time of each timed step, and the JVM's CPU time."""
    parts = [f"start-up {session.started_in:.1f} s"]
    for what, ts in session.times.items():
        ts = sorted(ts)
        parts.append(f"{what} {ts[len(ts) // 2]:.2f} s median, {ts[-1]:.2f} s max ({len(ts)}×)")
    cpu = jvm_cpu_seconds(session)
    if cpu is not None:
        parts.append(f"JVM CPU {cpu:.0f} s")
    return "Spark: " + "; ".join(parts)
