"""Rule file v4: the duties, service targets, continuity and security fields
the producer writes, and what the loader refuses in them (a hand-made file:
the compiler never writes one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slalang.ruleschema import RulesError, checksum_of
from slalang.runtime import loads_rules

ROOT = Path(__file__).resolve().parent.parent
ITOPS = ROOT / "tests" / "golden" / "rules" / "example-itops.rules.json"


def _doc() -> dict:
    return json.loads(ITOPS.read_text(encoding="utf-8"))


def _duty(name="drill", **over) -> dict:
    d = {
        "name": name,
        "title": {"zh": "演练", "en": "Drill"},
        "section": "continuity",
        "cadence": {"kind": "every", "count": 3, "unit": "month", "period": None},
        "performer": "provider",
        "performer_title": None,
        "evidence": {"zh": "报告", "en": "report"},
        "calendar": None,
        "line": 10,
    }
    d.update(over)
    return d


def _target(name="nps", **over) -> dict:
    t = {
        "name": name,
        "title": {"zh": "净推荐值", "en": "NPS"},
        "bound": "at_least",
        "value": "75",
        "percent": False,
        "period": "quarter",
        "method": None,
        "line": 20,
    }
    t.update(over)
    return t


def _load(doc: dict):
    doc = json.loads(json.dumps(doc))
    doc["checksum"] = checksum_of(doc)
    return loads_rules(json.dumps(doc).encode(), "x.rules.json")


def _refused(doc: dict) -> RulesError:
    with pytest.raises(RulesError) as e:
        _load(doc)
    return e.value


def test_the_audit_is_a_duty_without_words():
    doc = _doc()
    audit = next(d for d in doc["duties"] if d["name"] == "audit")
    assert audit["title"] is None and audit["section"] == "reporting" and audit["performer"] == "third_party"
    assert audit["cadence"] == {"kind": "every", "count": 6, "unit": "month", "period": None}


def test_a_file_with_duties_targets_continuity_and_security_loads():
    doc = _doc()
    doc["duties"] = [_duty(), _duty("pentest", cadence={"kind": "times", "count": 2, "unit": None, "period": "year"})]
    doc["service_targets"] = [_target(), _target("complaints", bound="at_most", value="0.5", percent=True)]
    doc["continuity"] = {
        "title": {"zh": "容灾", "en": "Continuity"},
        "standby": None,
        "rto_seconds": 900,
        "rpo_seconds": 300,
        "line": 9,
    }
    doc["security"] = {
        "title": {"zh": "安全", "en": "Security"},
        "standards": [{"zh": "等保三级", "en": "level 3"}],
        "encrypted": [],
        "access": [],
        "line": 30,
    }
    rf = _load(doc)
    assert [d.name for d in rf.duties] == ["drill", "pentest"]
    assert rf.continuity is not None and rf.continuity.rto_seconds == 900
    assert rf.service_targets[1].percent and rf.service_targets[1].value == "0.5"


@pytest.mark.parametrize(
    "duties,targets,key",
    [
        ([_duty(), _duty()], [], "rules.duty_twice"),
        ([_duty("nps")], [_target()], "rules.duty_twice"),
        ([_duty(calendar="nowhere")], [], "rules.duty_calendar"),
        ([_duty(cadence={"kind": "every", "count": 1, "unit": None, "period": "month"})], [], "rules.duty_cadence"),
        ([_duty(cadence={"kind": "times", "count": 1, "unit": "month", "period": None})], [], "rules.duty_cadence"),
        ([_duty(cadence={"kind": "times", "count": 32, "unit": None, "period": "month"})], [], "rules.duty_times"),
    ],
)
def test_the_loader_refuses_inconsistent_duties(duties, targets, key):
    doc = _doc()
    doc["duties"], doc["service_targets"] = duties, targets
    err = _refused(doc)
    assert err.kind == "malformed" and err.key == key, err
    assert "rebuild" in (err.hint or "")


def test_a_duty_on_a_defined_calendar_loads():
    doc = _doc()
    doc["duties"] = [_duty(calendar=doc["calendars"][0]["name"])]
    assert _load(doc).duties[0].calendar == doc["calendars"][0]["name"]


def test_a_zero_cadence_count_is_not_the_shape_of_a_rule_file():
    doc = _doc()
    doc["duties"] = [_duty(cadence={"kind": "every", "count": 0, "unit": "month", "period": None})]
    assert _refused(doc).key == "rules.shape"
