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


PAGE = Path(__file__).resolve().parents[1] / "server" / "codecoach" / "docs" / "rules.html"


def test_rules_page_is_up_to_date():
    from codecoach.analysis.catalogue_doc import render_html

    assert PAGE.read_text(encoding="utf-8") == render_html(), (
        "server/codecoach/docs/rules.html is stale: run "
        "`python -m codecoach.analysis.catalogue_doc --html > server/codecoach/docs/rules.html`"
    )


def test_the_page_has_one_anchor_per_rule_and_every_contents_link_lands():
    import re

    page = PAGE.read_text(encoding="utf-8")
    ids = re.findall(r'id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate anchors"
    for rule_id in [r.id for r in CATALOGUE] + [p.id for p in ALL_PATTERNS] + [h[0] for h in BEHAVIOUR_HINTS]:
        assert rule_id.lower() in ids, rule_id
    for target in re.findall(r'href="#([^"]+)"', page):
        assert target in ids, target
    assert "<script" not in page and page.count("<style>") == 1


def test_diagnostics_link_to_the_shipped_page_unless_a_public_url_is_set(monkeypatch):
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    from codecoach.analysis import findings

    rule = next(r for r in CATALOGUE if r.id == "CC102")
    finding = findings.Finding("CC102", findings.Span.of(0, 0, 0, 1), rule.severity, rule.message,
                               findings.Explanation("w", "i", "h", rule.docs_url), (rule.concept,))
    monkeypatch.delenv(findings.RULES_URL_ENV, raising=False)
    findings.rules_page_url.cache_clear()
    try:
        href = urlparse(finding.docs_href)
        assert href.scheme == "file" and href.fragment == "cc102"
        page = Path(url2pathname(href.path))
        assert page.is_file() and 'id="cc102"' in page.read_text(encoding="utf-8")

        monkeypatch.setenv(findings.RULES_URL_ENV, "https://coach.example.org/rules")
        findings.rules_page_url.cache_clear()
        assert finding.docs_href == "https://coach.example.org/rules#cc102"

        monkeypatch.setenv(findings.RULES_URL_ENV, "javascript:alert(1)")  # not a page: ignored, with a warning
        findings.rules_page_url.cache_clear()
        assert finding.docs_href.startswith("file:")
    finally:
        findings.rules_page_url.cache_clear()
