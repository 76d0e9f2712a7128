"""docs/rules.md is generated from the catalogue: it must match and link every id."""

from __future__ import annotations

from pathlib import Path

from codecoach.analysis.catalogue_doc import BEHAVIOUR_HINTS, render_markdown
from codecoach.analysis.rules import CATALOGUE
from codecoach.analysis.syntax import ALL_PATTERNS

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_rules_doc_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/rules.md is stale: run `python -m codecoach.analysis.catalogue_doc > docs/rules.md`"
    )


def test_every_id_has_its_anchor():
    text = render_markdown()
    ids = [r.id for r in CATALOGUE] + [p.id for p in ALL_PATTERNS] + [h[0] for h in BEHAVIOUR_HINTS]
    for rule_id in ids:
        assert text.count(f'<a id="{rule_id.lower()}"></a>') == 1, rule_id


def test_doc_shows_each_rule_message_and_docs_link():
    text = render_markdown()
    for rule in CATALOGUE:
        assert rule.message in text and rule.docs_url in text, rule.id
