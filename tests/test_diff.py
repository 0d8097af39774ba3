"""The semantic diff: golden reports over a version history of the
IT-operations contract (tests/history/itops/v1.sla … v6.sla), directions,
renames and reorderings, the word diff, `--fail-on`, and `--rev` in a real
git repository. SLALANG_REGEN=1 rewrites the golden reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, golden
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang import semdiff
from slalang.compiler import compile_text
from slalang.terms import has_han

HISTORY = ROOT / "tests" / "history" / "itops"
VERSIONS = sorted(HISTORY.glob("v*.sla"), key=lambda p: int(p.stem[1:]))
PAIRS = [(a, b) for a, b in zip(VERSIONS, VERSIONS[1:])] + [(VERSIONS[0], VERSIONS[-1])]
GOLDEN = HISTORY / "diffs"


def contract(path: Path):
    r = compile_text(path.read_text(encoding="utf-8"), path.name)
    assert r.contract is not None, [d.message for d in r.diagnostics]
    return r.contract


def changes(a: Path, b: Path) -> semdiff.ContractDiff:
    return semdiff.diff(contract(a), contract(b))


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slalang", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def find(d: semdiff.ContractDiff, path: str) -> list[semdiff.Change]:
    return [c for c in d.changes if c.path == path]


# ---------------------------------------------------------------- goldens


def test_history_has_six_versions_touching_every_section():
    assert len(VERSIONS) >= 6
    touched = set()
    for a, b in zip(VERSIONS, VERSIONS[1:]):
        touched |= {c.section for c in changes(a, b).changes}
    assert touched == set(semdiff.SECTIONS), set(semdiff.SECTIONS) - touched


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0].stem}-{p[1].stem}")
def test_golden_reports(pair, lang):
    a, b = pair
    d = changes(a, b)
    stem = f"{a.stem}-{b.stem}" + ("" if lang == "en" else f".{lang}")
    golden(GOLDEN / f"{stem}.txt", semdiff.render_text(d, lang))
    golden(GOLDEN / f"{stem}.md", semdiff.render_markdown(d, lang))
    golden(GOLDEN / f"{stem}.json", semdiff.to_json(d, a.name, b.name, lang))


def test_cli_output_matches_the_goldens():
    a, b = VERSIONS[0], VERSIONS[1]
    for lang, suffix in (("en", ""), ("zh", ".zh")):
        for fmt, ext in (("text", "txt"), ("markdown", "md"), ("json", "json")):
            r = cli("diff", str(a), str(b), "--format", fmt, "--lang", lang)
            assert r.returncode == 0, r.stderr
            expected = (GOLDEN / f"v1-v2{suffix}.{ext}").read_text(encoding="utf-8")
            if fmt == "json":
                assert json.loads(r.stdout) == {
                    **json.loads(expected),
                    "old": json.loads(r.stdout)["old"],
                    "new": json.loads(r.stdout)["new"],
                }
            else:
                assert r.stdout == expected


def test_lang_defaults_from_the_locale():
    a, b = VERSIONS[0], VERSIONS[1]
    zh = (GOLDEN / "v1-v2.zh.txt").read_text(encoding="utf-8")
    for env in (
        {"LANG": "zh_CN.UTF-8"},
        {"LC_MESSAGES": "zh_TW.UTF-8"},
        {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"},
    ):
        r = cli("diff", str(a), str(b), env=env)
        assert r.returncode == 0 and r.stdout == zh, env
    r = cli("diff", str(a), str(b), env={"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"})
    assert r.stdout == (GOLDEN / "v1-v2.txt").read_text(encoding="utf-8")
    r = cli("diff", str(a), str(b), "--lang", "en", env={"LANG": "zh_CN.UTF-8"})
    assert r.stdout == (GOLDEN / "v1-v2.txt").read_text(encoding="utf-8")
    r = cli("diff", str(a), str(b), "--fail-on", "provider-looser", env={"LANG": "zh_CN.UTF-8"})
    assert r.returncode == 1 and "2 处变更符合 --fail-on provider-looser" in r.stderr


def test_json_keeps_machine_fields_and_speaks_the_language_asked():
    d = changes(VERSIONS[0], VERSIONS[-1])
    en = json.loads(semdiff.to_json(d, "a", "b", "en"))
    zh = json.loads(semdiff.to_json(d, "a", "b", "zh"))
    assert (en["language"], zh["language"]) == ("en", "zh")
    assert en["summary"] == zh["summary"] and en["old"] == zh["old"]

    def machine(doc):
        return [
            (s["section"], [(c["section"], c["path"], c["kind"], c["direction"], c.get("words")) for c in s["changes"]])
            for s in doc["sections"]
        ]

    assert machine(en) == machine(zh)
    p1 = next(c for s in zh["sections"] for c in s["changes"] if c["path"] == "response.P1.off_hours")
    assert (p1["subject"], p1["old"], p1["new"]) == ("P1 首次响应（非工作时间）", "8 小时", "4 小时")
    assert next(s["title"] for s in zh["sections"] if s["section"] == "response") == "首次响应"


# ---------------------------------------------------------------- meaning


def test_the_issue_examples():
    d = changes(VERSIONS[0], VERSIONS[1])
    [p1] = find(d, "response.P1.off_hours")
    assert (p1.direction, p1.old_in("en"), p1.new_in("en")) == ("stricter", "8 h", "4 h")
    assert "P1 first response (off-hours)" == p1.subject_in("en")
    [tier] = find(d, "credit.availability.tier.99.0")
    assert tier.direction == "stricter" and "25%" in tier.old_in("en") and "30%" in tier.new_in("en")
    [fm] = find(d, "exclusions.force_majeure.events")
    assert (fm.kind, fm.direction, fm.new_in("en")) == ("added", "looser", "传染病 / epidemics")
    assert "force majeure: added '传染病 / epidemics'" in semdiff.render_text(d)


def test_renames_are_not_removals():
    d = changes(VERSIONS[2], VERSIONS[3])  # calendar `always` → `around_the_clock`
    [r] = [c for c in d.changes if c.kind == "renamed"]
    assert (r.old_in("en"), r.new_in("en"), r.direction) == ("always", "around_the_clock", "neutral")
    assert not [c for c in d.changes if c.kind in ("added", "removed") and c.section == "calendars"]
    d = changes(VERSIONS[1], VERSIONS[2])  # region `north` → `north_china`
    assert [c.kind for c in d.changes if c.section == "scope" and "north" in c.path] == ["renamed"]


def test_priority_rename_follows_into_the_matrices():
    text = VERSIONS[0].read_text(encoding="utf-8")
    renamed = text.replace("P4", "P9")
    d = semdiff.diff(contract(VERSIONS[0]), compile_text(renamed).contract)
    assert [(c.kind, c.old_in("en"), c.new_in("en")) for c in d.changes] == [("renamed", "P4", "P9")]


def test_reordering_is_reported_as_such():
    d = changes(VERSIONS[4], VERSIONS[5])
    [c] = find(d, "scope.product.order")
    assert (c.kind, c.direction) == ("reordered", "neutral")
    assert not [c for c in d.changes if c.section == "scope" and c.kind in ("added", "removed")]


def test_no_change_and_reformatting_change_nothing():
    from slalang.fmt import format_text

    a = VERSIONS[0]
    assert changes(a, a).changes == []
    respaced = format_text(a.read_text(encoding="utf-8")).replace("\n  ", "\n    ")
    assert semdiff.diff(contract(a), compile_text(respaced).contract).changes == []
    assert semdiff.render_text(changes(a, a)) == "example-itops 2.1.0 → 2.1.0: 0 changes\n"


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0].stem}-{p[1].stem}")
def test_reversing_a_diff_swaps_stricter_and_looser(pair):
    a, b = pair
    forward, backward = changes(a, b).counts(), changes(b, a).counts()
    assert (forward["stricter"], forward["looser"]) == (backward["looser"], backward["stricter"])
    assert forward["neutral"] == backward["neutral"] and forward["unclear"] == backward["unclear"]


def test_a_business_target_against_a_wall_one_is_compared_instant_by_instant():
    """`2bh` → `4h` in the business column: a ticket opened at 09:00 was due
    at 11:00 and is now due at 13:00 (later); one opened at 17:30 was due at
    10:30 the next working day and is now due at 21:30 (earlier). Neither
    dominates: unclear, not the "average wall-clock length" verdict (stricter)
    the diff used to give."""
    text = VERSIONS[0].read_text(encoding="utf-8")
    d = semdiff.diff(contract(VERSIONS[0]), compile_text(text.replace("P2      2bh", "P2      4h ")).contract)
    [c] = d.changes
    assert (c.path, c.direction) == ("response.P2.business", "unclear")


ITOPS = ROOT / "contracts" / "itops.sla"


@pytest.mark.parametrize(
    "row, new, expected",
    [
        ("P0      15m       4h", "1bh", "unclear"),  # Monday 08:00 sooner under 1bh, Friday 18:30 later
        ("P1      30m       8h", "1bh", "unclear"),
        ("P2      2bh       1bd", "12h", "stricter"),
        ("P1      30m       8h", "-", "looser"),
        ("P4      3bd       -", "5bd", "stricter"),
    ],
)
def test_off_hours_targets_follow_the_one_measure(row, new, expected):
    """SEMANTICS §2 on contracts/itops.sla's off-hours response column; the
    reverse change has the reverse direction."""
    text = ITOPS.read_text(encoding="utf-8")
    assert row in text
    cells = row.split()
    changed = text.replace(row, " ".join([*cells[:2], new]))
    old_c, new_c = contract(ITOPS), compile_text(changed).contract
    [c] = semdiff.diff(old_c, new_c).changes
    assert (c.path, c.direction) == (f"response.{cells[0]}.off_hours", expected)
    [back] = semdiff.diff(new_c, old_c).changes
    assert back.direction == {"stricter": "looser", "looser": "stricter"}.get(expected, expected)


def test_the_diff_asks_slalang_targets(monkeypatch):
    """Matrix cells with a business clock go through slalang.targets.compare,
    with the new version's column as the domain."""
    import slalang.targets as targets

    seen = []
    real = targets.compare

    def spy(a, b, domain):
        seen.append(domain)
        return real(a, b, domain)

    text = ITOPS.read_text(encoding="utf-8")
    old, new = contract(ITOPS), compile_text(text.replace("P2      2bh       1bd", "P2 2bh 12h")).contract
    monkeypatch.setattr(targets, "compare", spy)  # after compiling: lowering compares targets too (W0408)
    d = semdiff.diff(old, new)
    assert [c.direction for c in d.changes] == ["stricter"] and len(seen) == 1 and seen[0]


def test_durations_outside_a_matrix_compare_by_their_measures():
    text = ITOPS.read_text(encoding="utf-8")
    base = contract(ITOPS)

    def one(old, new):
        [c] = semdiff.diff(base, compile_text(text.replace(old, new)).contract).changes
        return c.direction

    assert one("P1 every 2h", "P1 every 90m") == "stricter"  # wall seconds
    assert one("within 1h after resolution", "within 1d after resolution") == "looser"
    assert one("within 60d after", "within 90d after") == "stricter"  # more time to claim
    assert one("within 60d after", "within 2 months after") == "unclear"  # 59 to 62 days
    assert one("notice 72h", "notice 4d") == "stricter"  # longer notice protects the customer
    # The language keeps these on the wall clock; were a business one to appear,
    # it would compare only when it is no longer in both days and hours.
    from slalang.model import Duration
    from slalang.semdiff.directions import by_duration

    def dur(spelling, clock, seconds, days=0):
        return Duration(spelling=spelling, clock=clock, seconds=seconds, days=days)

    assert by_duration(dur("1h", "wall", 3600), dur("1bh", "business", 3600)) is None
    assert by_duration(dur("1bd", "business", 0, 1), dur("8bh", "business", 8 * 3600)) is None
    assert by_duration(dur("1bd", "business", 0, 1), dur("1bd2bh", "business", 7200, 1)) == -1


def test_no_average_lengths_and_no_words_in_the_code():
    """No "average wall-clock" estimate and no user-facing words (Chinese or
    English pairs) are left in slalang/semdiff: words come from the catalogue,
    units and weekdays from slalang.terms."""
    import ast

    for path in sorted((ROOT / "slalang" / "semdiff").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for banned in ("_wall_estimate", "_week_seconds", "120960", "nominal_seconds", "WEEK =", "def L("):
            assert banned not in source, (path.name, banned)
        tree = ast.parse(source)
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        # Patterns that read the contract's own texts are not words shown.
        patterns = {
            id(arg)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "compile"
            for arg in node.args
        }
        patterns |= {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["_FULL_STOPS"]
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings | patterns:
                assert not has_han(node.value), (path.name, node.lineno, node.value)
                assert node.value not in ("Mon", "min", "none", "no commitment", "stricter on the provider"), (
                    path.name,
                    node.value,
                )


@given(st.text(alphabet="ab 服务响应。,", max_size=30), st.text(alphabet="ab 服务响应。,", max_size=30))
@settings(max_examples=200, deadline=None)
def test_word_diff_rebuilds_both_texts(a, b):
    segs = semdiff.word_diff(a, b)
    assert "".join(t for op, t in segs if op != "insert") == a
    assert "".join(t for op, t in segs if op != "delete") == b


# ---------------------------------------------------------------- the command


def test_fail_on_provider_looser(tmp_path: Path):
    a, b = VERSIONS[0], VERSIONS[1]
    r = cli("diff", str(a), str(b), "--fail-on", "provider-looser")
    assert r.returncode == 1 and "2 changes matched --fail-on provider-looser" in r.stderr
    stricter = tmp_path / "stricter.sla"
    stricter.write_text(
        a.read_text(encoding="utf-8").replace("P1      30m       8h", "P1      30m       6h"), encoding="utf-8"
    )
    r = cli("diff", str(a), str(stricter), "--fail-on", "provider-looser")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "P1 first response (off-hours): 8 h → 6 h" in r.stdout
    r = cli("diff", str(a), str(b), "--fail-on", "sometimes")
    assert r.returncode == 2 and "--fail-on takes" in r.stderr


def test_broken_contract_is_reported_not_compared(tmp_path: Path):
    bad = tmp_path / "bad.sla"
    bad.write_text('contract "x" version "1" {\n  title "a"\n}\n', encoding="utf-8")
    r = cli("diff", str(VERSIONS[0]), str(bad))
    assert r.returncode == 1 and "error[E0204]" in r.stderr and "cannot compare" in r.stderr
    r = cli("diff", str(VERSIONS[0]))
    assert r.returncode == 2 and "give two files" in r.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "contracts").mkdir(parents=True)
    env_git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for v in VERSIONS[:2]:
        shutil.copy(v, root / "contracts" / "itops.sla")
        subprocess.run([*env_git, "add", "contracts/itops.sla"], check=True)
        subprocess.run([*env_git, "commit", "-q", "-m", v.stem], check=True)
    return root


def test_diff_rev_in_a_git_repository(repo: Path):
    expected = (GOLDEN / "v1-v2.txt").read_text(encoding="utf-8")
    r = cli("diff", "--rev", "HEAD~1..HEAD", "contracts/itops.sla", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected
    # from a sub-folder, with the path relative to it
    r = cli("diff", "--rev", "HEAD~1..HEAD", "itops.sla", cwd=repo / "contracts")
    assert r.returncode == 0 and r.stdout == expected
    # `A..` and `A`: against the working tree
    shutil.copy(VERSIONS[2], repo / "contracts" / "itops.sla")
    r = cli("diff", "--rev", "HEAD", "contracts/itops.sla", "--format", "json", cwd=repo)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["old"]["source"] == "HEAD:contracts/itops.sla" and doc["new"]["source"] == "contracts/itops.sla"
    assert doc == json.loads(
        semdiff.to_json(changes(VERSIONS[1], VERSIONS[2]), "HEAD:contracts/itops.sla", "contracts/itops.sla")
    )
    r = cli("diff", "--rev", "HEAD~1..", "contracts/itops.sla", cwd=repo)
    assert r.returncode == 0 and r.stdout == semdiff.render_text(changes(VERSIONS[0], VERSIONS[2]))


def test_diff_rev_errors(repo: Path, tmp_path: Path):
    r = cli("diff", "--rev", "nope..HEAD", "contracts/itops.sla", cwd=repo)
    assert r.returncode == 2 and "cannot read itops.sla at nope" in r.stderr
    r = cli("diff", "--rev", "HEAD~1..HEAD", "contracts/other.sla", cwd=repo)
    assert r.returncode == 2 and "cannot read other.sla at HEAD~1" in r.stderr
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(VERSIONS[0], outside / "c.sla")
    r = cli("diff", "--rev", "HEAD", "c.sla", cwd=outside)
    assert r.returncode == 2 and "not inside a git repository" in r.stderr
    assert "Traceback" not in r.stderr


def test_review_guide_shows_real_output():
    """docs/review.md's worked example is the real output for v1 → v2."""
    doc = (ROOT / "docs" / "review.md").read_text(encoding="utf-8")
    d = changes(VERSIONS[0], VERSIONS[1])
    assert semdiff.render_text(d, "en") in doc
    assert semdiff.render_text(d, "zh") in doc
    for line in semdiff.render_markdown(d, "en").splitlines():
        if line.startswith("- 🟢 P1") or line.startswith("**"):
            assert line in doc
    assert "echo '*.sla diff=sla' >> .gitattributes" in doc
    assert 'git config diff.sla.textconv "slalang textconv"' in doc


def test_compared_fields_match_the_model():
    """semdiff.COMPARED_FIELDS names only real fields; a field it does not
    list yet (added to slalang/model.py later) is reported, as unclear, by the
    fallback below until the diff learns its meaning."""
    import inspect

    from slalang import model
    from slalang.semdiff import source_fields

    actual = {
        name: frozenset(cls.model_fields) - source_fields(cls)
        for name, cls in inspect.getmembers(model, inspect.isclass)
        if issubclass(cls, model._Model) and cls not in (model._Model, model._Located, model.SourceSpan)
    }
    for name, fields in semdiff.COMPARED_FIELDS.items():
        assert name in actual and fields <= actual[name], (name, fields - actual.get(name, frozenset()))
    new_fields = {n: sorted(f - semdiff.COMPARED_FIELDS.get(n, frozenset())) for n, f in actual.items()}
    new_fields = {n: f for n, f in new_fields.items() if f}
    assert not new_fields, f"the diff would report these model fields only as 'unclear': {new_fields}"


def test_a_field_the_diff_does_not_know_is_still_reported(monkeypatch):
    known = dict(semdiff.COMPARED_FIELDS)
    known["Reporting"] = known["Reporting"] - {"retention"}
    monkeypatch.setattr(semdiff, "COMPARED_FIELDS", known)
    d = changes(VERSIONS[4], VERSIONS[5])  # retention 6 → 12 months
    [c] = [c for c in d.changes if c.path == "reporting.retention" and c.kind == "changed" and c.direction == "unclear"]
    assert (c.section, c.direction) == ("reporting", "unclear")
    assert not [c for c in changes(VERSIONS[0], VERSIONS[0]).changes]


@given(
    st.sampled_from(["P0", "P1"]),
    st.sampled_from(["business", "off_hours"]),
    st.integers(1, 48 * 60),
    st.sampled_from(["m", "h"]),
)
@settings(max_examples=60, deadline=None)
def test_target_direction_follows_the_wall_clock(prio, column, n, unit):
    """P0 and P1 run on the wall clock: a shorter new target is stricter."""
    base = contract(VERSIONS[0])
    old = base.response.cell(prio, column)
    seconds = n * (60 if unit == "m" else 3600)
    if unit == "h" and n > 48:
        return
    text = VERSIONS[0].read_text(encoding="utf-8")
    row = {"P0": "    P0      15m       4h", "P1": "    P1      30m       8h"}[prio]
    cells = row.split()
    cells[1 if column == "business" else 2] = f"{n}{unit}"
    new = compile_text(text.replace(row, "    " + " ".join(cells))).contract
    d = semdiff.diff(base, new)
    [c] = [c for c in d.changes if c.path == f"response.{prio}.{column}"] or [None]
    if seconds == old.seconds:
        assert c is None
    else:
        assert c.direction == ("stricter" if seconds < old.seconds else "looser")


def _all_contracts():
    from conftest import CONTRACTS

    return [*CONTRACTS, *VERSIONS, ROOT / "tests" / "good_minimal.sla"]


def test_any_two_contracts_compare_both_ways():
    """Unrelated contracts too: no crash, every change in a known section,
    and reversing the diff swaps stricter and looser."""
    models = [(p.name, contract(p)) for p in _all_contracts()]
    for (na, a), (nb, b) in [(x, y) for x in models for y in models]:
        d, back = semdiff.diff(a, b), semdiff.diff(b, a)
        assert all(c.section in semdiff.SECTIONS and c.direction in semdiff.DIRECTIONS for c in d.changes)
        fc, bc = d.counts(), back.counts()
        assert (fc["stricter"], fc["looser"]) == (bc["looser"], bc["stricter"]), (na, nb)
        semdiff.render_text(d, "zh"), semdiff.render_markdown(d), semdiff.to_json(d)


def test_a_new_column_is_compared_with_what_its_tickets_got_before():
    text = VERSIONS[0].read_text(encoding="utf-8")
    evening = '  calendar evening "晚间" | "Evenings" {\n    hours mon..fri 18:00-22:00\n  }\n  calendar always '
    text2 = (
        text.replace("  calendar always ", evening, 1)
        .replace("columns business, off_hours", "columns business, evening, off_hours")
        .replace("P0      15m       4h", "P0 15m 1h 4h")
        .replace("P1      30m       8h", "P1 30m 8h 8h")
        .replace("P2      2bh       1bd", "P2 2bh 2d 1bd")
        .replace("P3      1bd       2bd", "P3 1bd - 2bd")
        .replace("P4      3bd       -", "P4 3bd - -")
    )
    d = semdiff.diff(contract(VERSIONS[0]), compile_text(text2).contract)
    cells = {c.path: c for c in d.changes if c.section == "response"}
    p0 = cells["response.P0.evening"]
    assert (p0.kind, p0.direction, p0.old_in("en"), p0.new_in("en")) == (
        "added",
        "stricter",
        "4 h (before: off-hours)",
        "1 h",
    )
    assert "response.P1.evening" not in cells or cells["response.P1.evening"].direction == "neutral"
    # 2 d against the 1 bd of off-hours: later for a ticket opened on Monday
    # evening, earlier for one opened on Friday evening (1 bd runs to Monday).
    assert cells["response.P2.evening"].direction == "unclear"
    assert cells["response.P3.evening"].direction == "looser"  # no commitment where off-hours had 2 bd
    assert "P0 first response (evenings) (added): 4 h (before: off-hours) → 1 h" in semdiff.render_text(d)


# ---------------------------------------------------------------- registry and catalogue


def test_every_statement_kind_has_a_comparison():
    from slalang.semdiff.changes import grammar_rules

    kinds, rules = grammar_rules()
    assert "clause" in kinds and "title" in kinds and "contract" in kinds
    assert kinds <= set(semdiff.DIFFERS)
    handled = semdiff.handled_kinds()
    assert kinds <= handled <= rules
    assert {"row", "tier_rule", "step_rule", "update_rule", "warning_level", "maintenance_window"} <= handled


def test_a_kind_without_a_comparison_fails_loudly(monkeypatch):
    from slalang.semdiff import changes as ch

    without = {k: v for k, v in ch.DIFFERS.items() if k != "warnings"}
    monkeypatch.setattr(ch, "DIFFERS", without)
    with pytest.raises(semdiff.RegistryError, match="semdiff has no comparison for statement kind `warnings`"):
        ch.check_registry()
    monkeypatch.setattr(ch, "DIFFERS", {**ch.DIFFERS, "warnings": lambda cx: None, "nonsense": lambda cx: None})
    with pytest.raises(semdiff.RegistryError, match="`nonsense`, which is not a rule of the grammar"):
        ch.check_registry()


def test_the_diff_catalogue_is_complete_in_both_languages():
    from slalang import i18n

    en = {k for k in i18n.leaf_keys("en") if k.startswith("diff.")}
    zh = {k for k in i18n.leaf_keys("zh") if k.startswith("diff.")}
    assert en == zh, en ^ zh
    for key in ("section", "direction", "kind"):
        for lang in ("en", "zh"):
            assert set(i18n.lookup(lang, f"diff.{key}")) >= (
                set(semdiff.SECTIONS) if key == "section" else set(semdiff.DIRECTIONS) if key == "direction" else set()
            )
    from slalang.terms import PERIODS, REPORT_KINDS, WEEKDAYS

    for group, names in (("weekday", WEEKDAYS), ("period", PERIODS), ("report_kind", REPORT_KINDS)):
        for lang in ("en", "zh"):
            assert set(i18n.lookup(lang, f"diff.{group}")) == set(names), (group, lang)


def test_every_change_renders_in_both_languages():
    """Every pair of known contracts, in both languages: every key a change
    uses exists and every field is given."""
    models = [contract(p) for p in _all_contracts()]
    for a in models[:4]:
        for b in models:
            d = semdiff.diff(a, b)
            for lang in ("en", "zh"):
                semdiff.render_text(d, lang)
                semdiff.to_json(d, "", "", lang)


# One edit of contracts/itops.sla per statement the diff claims to compare
# (semdiff.handled_kinds()), and the change it must report: the registry's
# list agrees with what the code really compares.
KIND_EDITS = [
    (
        "pauses",
        '  pauses "服务方等待客户提供信息、访问权限或变更批准的期间"',
        '  pauses "服务方等待客户提供信息的期间"',
        "pauses.when",
    ),
    ("title", '"Service Response Time Commitment"', '"Service Response Time Commitment Letter"', "contract.title"),
    ("prevailing", "prevailing zh", "prevailing en", "contract.prevailing"),
    ("effective", "to 2026-12-31", "to 2026-11-30", "contract.effective.end"),
    ("timezone", '"Asia/Shanghai"', '"Asia/Hong_Kong"', "contract.timezone"),
    ("credential", '    credential "ISO/IEC 27001:2022"\n', "", "provider.credentials"),
    ("address", "示例路 1 号", "示例路 2 号", "provider.address"),
    ("contact", "service@example-cloud.cn", "help@example-cloud.cn", "provider.contact"),
    ("region", '"华东"     | "East China"', '"华东区"   | "East China"', "scope.region.east.title"),
    ("fee", "fee 120000.00", "fee 110000.00", "scope.product.hosting.fee"),
    ("service", '"服务请求" | "Service requests"', '"服务申请" | "Service requests"', "scope.service.request.title"),
    ("hours", "mon..fri 09:00-12:00", "mon..fri 08:00-12:00", "calendar.business.hours"),
    (
        "holiday_set",
        "    holidays cn  # statutory holidays off, make-up working days on\n",
        "",
        "calendar.business.holidays",
    ),
    ("extra_holiday", "holiday  2026-12-31", "holiday  2026-12-30", "calendar.business.extra_holidays.2026-12-30"),
    ("priority_body", '"核心业务全部中断"', '"核心业务全面中断"', "priority.P0.definition.1"),
    ("row", "P1      30m       8h", "P1      30m       6h", "response.P1.off_hours"),
    ("update_rule", "P0 every 30m", "P0 every 20m", "updates.P0"),
    ("followup", "within 1h after resolution", "within 2h after resolution", "followup.within"),
    ("availability", "hosting 99.95% per month", "hosting 99.99% per month", "availability.hosting.month"),
    ("warning_level", "yellow  at 50%", "yellow  at 40%", "warnings.yellow"),
    ("step_rule", "per started 30m late: 5%", "per started 30m late: 6%", "credit.response_delay.step.amount"),
    ("ladder_cap", "    cap 30%", "    cap 35%", "credit.response_delay.cap"),
    ("tier_rule", "below 99.0%:  25%", "below 99.0%:  20%", "credit.hosting_availability.tier.99.0"),
    ("credits_cap", "cap      100% of monthly_fee per month", "cap      90% of monthly_fee per month", "credits.cap"),
    ("credit_form", "form     service_credit", "form     refund", "credits.form"),
    ("claim", "within 60d after month_end", "within 60d after breach", "credits.claim.after"),
    ("rounding", "rounding half_up", "rounding up", "credits.rounding"),
    ("force_majeure", "、网络攻击", "", "exclusions.force_majeure.events"),
    ("notify", "notify within 24h", "notify within 12h", "exclusions.force_majeure.notify"),
    ("maintenance_notice", "notice 72h", "notice 96h", "exclusions.maintenance.notice"),
    ("maintenance_max", "max 4h per month", "max 4h per quarter", "exclusions.maintenance.max.period"),
    ("maintenance_window", "window sat 00:00-06:00", "window sat 00:00-04:00", "exclusions.maintenance.window"),
    ("customer_caused", '"客户原因导致的故障"', '"客户自身原因导致的故障"', "exclusions.customer_caused"),
    ("reports", "reports   daily, weekly", "reports   daily", "reporting.reports.weekly"),
    ("metrics", "mttr, availability", "availability", "reporting.metrics.mttr"),
    ("retention", "retention 6 months", "retention 12 months", "reporting.retention"),
    ("audit", "by third_party", "by customer", "reporting.audit.by"),
    ("law", '"中华人民共和国法律"         | "the laws', '"中华人民共和国现行法律"     | "the laws', "disputes.law"),
    (
        "arbitration",
        'arbitration "中国国际经济贸易仲裁委员会"',
        'court       "北京市第一中级人民法院"',
        "disputes.forum",
    ),
    ("seat", '"北京" | "Beijing"', '"上海" | "Shanghai"', "disputes.seat"),
    ("clause", "通报一次进度", "通报一次处理进度", "clause.Notification.1"),
]


@pytest.mark.parametrize("kind, old, new, path", KIND_EDITS, ids=[k[0] for k in KIND_EDITS])
def test_each_handled_kind_is_really_compared(kind, old, new, path):
    assert kind in semdiff.handled_kinds()
    text = ITOPS.read_text(encoding="utf-8")
    assert old in text, old
    r = compile_text(text.replace(old, new, 1))
    assert r.contract is not None, [d.message for d in r.diagnostics]
    d = semdiff.diff(contract(ITOPS), r.contract)
    assert path in [c.path for c in d.changes], [c.path for c in d.changes]


def test_a_clock_change_is_reported_once_with_the_direction_of_its_cells():
    text = ITOPS.read_text(encoding="utf-8")
    changed = text.replace(
        "    clock   business\n    columns business, off_hours", "    clock   always\n    columns business, off_hours"
    )
    a, b = contract(ITOPS), compile_text(changed).contract
    [c] = semdiff.diff(a, b).changes
    assert (c.path, c.kind) == ("response.clock", "changed")
    # The business column alone: `2bh` around the clock is never later than
    # two business hours, and earlier for a ticket opened at 17:30.
    only_business = (
        text.replace("P2      2bh       1bd", "P2      2bh       12h")
        .replace("P3      1bd       2bd", "P3      8h        2d")
        .replace("P4      3bd       -", "P4      3d        -")
    )
    a = compile_text(only_business).contract
    b = compile_text(
        only_business.replace(
            "    clock   business\n    columns business, off_hours",
            "    clock   always\n    columns business, off_hours",
        )
    ).contract
    [c] = semdiff.diff(a, b).changes
    assert (c.path, c.direction) == ("response.clock", "stricter")
    [back] = semdiff.diff(b, a).changes
    assert back.direction == "looser"


def test_json_diff_of_a_version_that_does_not_compile_gives_its_diagnostics(tmp_path, capsys):
    import json as _json

    from slalang import cli

    broken = tmp_path / "broken.sla"
    broken.write_text(ITOPS.read_text(encoding="utf-8").replace("currency   CNY", "currency   RMB"), encoding="utf-8")
    code = cli.main(["diff", "--format", "json", "--lang", "zh", str(ITOPS), str(broken)])
    out = capsys.readouterr()
    doc = _json.loads(out.out)
    assert code == 1 and doc["language"] == "zh"
    assert [d["code"] for d in doc["diagnostics"]] == ["E0603"] and "币种" in doc["diagnostics"][0]["message"]


# ---------------------------------------------------------------- availability measurement and credit policy
AVAILABILITY_CASE = (ROOT / "tests" / "fmt_cases" / "availability_rules.sla").read_text(encoding="utf-8")
AVAILABILITY_TEXT = AVAILABILITY_CASE.split("# output\n", 1)[1]

AVAILABILITY_EDITS = [
    # (old text, new text, change path, direction for the customer)
    ("    per instance\n", "", "availability.compute.month.resource", "unclear"),
    ("downtime per started minute", "downtime per second", "availability.compute.month.counting", "looser"),
    ("downtime per full minute", "downtime per started minute", "availability.archive.year.counting", "stricter"),
    ("ignore outages under 1m", "ignore outages under 5m", "availability.compute.month.grace", "looser"),
    ("ignore outages under 1m", "ignore outages up to 1m", "availability.compute.month.grace.bound", "looser"),
    ("    ignore outages up to 30m\n", "", "availability.archive.year.grace", "stricter"),
    ("errors above 5.0%", "errors above 10%", "availability.api.quarter.bucket.errors", "looser"),
    ("buckets 5m", "buckets 15m", "availability.api.quarter.bucket", "unclear"),
    ("over eligible_time", "over whole_period", "availability.compute.month.denominator", "looser"),
    ("of api, compute", "of api", "credit.api_sla.products", "looser"),
    ("minimum 50.00 CNY", "minimum 80.00 CNY", "credit.compute_sla.minimum", "stricter"),
    ("    minimum 50.00 CNY\n", "", "credit.compute_sla.minimum", "looser"),
    (
        'form    voucher "仅可抵扣" | "redeemable only against this service"',
        "form    refund",
        "credit.compute_sla.form",
        "stricter",
    ),
    ("combine         highest", "combine         sum", "credits.combine", "stricter"),
    ("partial_periods full_fee", "partial_periods prorated", "credits.partial_periods", "looser"),
    ("within 2 months", "within 3 months", "credits.claim.within", "stricter"),
    ("from 5bd within", "from 10bd within", "credits.claim.opens", "looser"),
    (
        "from 5bd within 2 months after month_end on business",
        "within 2 months after month_end",
        "credits.claim.opens",
        "stricter",
    ),
    ("down to 0.01 per total", "down to 0.01 per line", "credits.rounding_scope", "unclear"),
]


@pytest.mark.parametrize(
    "old, new, path, direction", AVAILABILITY_EDITS, ids=[e[2] + ":" + e[1].strip()[:20] for e in AVAILABILITY_EDITS]
)
def test_availability_rules_are_compared_with_a_direction(old, new, path, direction):
    assert old in AVAILABILITY_TEXT
    a = compile_text(AVAILABILITY_TEXT).contract
    result = compile_text(AVAILABILITY_TEXT.replace(old, new, 1))
    assert result.contract is not None, [d.message for d in result.diagnostics]
    d = semdiff.diff(a, result.contract)
    found = find(d, path)
    assert found, [c.path for c in d.changes]
    assert found[0].direction == direction
    for lang in ("zh", "en"):
        assert found[0].subject_in(lang)
        assert found[0].old_in(lang) if found[0].kind == "removed" else found[0].new_in(lang)
        assert semdiff.render_text(d, lang)
    assert semdiff.diff(a, a).changes == []
