"""The docs site: notebooks processed as nbdev would for a site, links rewritten to the site's pages, and the check
that fails a build on a broken internal link or a `#|` directive left on a page."""
import sys
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import docs

def test_cells_as_the_site_shows_them():
    code = lambda s, out=(): dict(cell_type="code", source=s, outputs=list(out), metadata={}, execution_count=None)
    assert docs.proc_cell(dict(cell_type="raw", source="---\nskip_exec: true\n---", metadata={})) is None
    assert docs.proc_cell(code("#| hide\nfrom x import *")) is None
    assert docs.proc_cell(code("#| export\ndef f(): pass"))["source"] == "def f(): pass"
    assert docs.proc_cell(code("#| default_exp rules")) is None                  # nothing left to show
    assert docs.directives("#| export\n#| hide\nx = 1\n#| not a directive here") == [["export"], ["hide"]]

def test_links_reach_the_sites_pages():
    pages = {"index", "tables", "00_rules"}
    assert docs.rewrite_link("nbs/tables.ipynb", pages) == "tables.md"
    assert docs.rewrite_link("00_rules.ipynb#grad_mode", pages) == "00_rules.md#grad_mode"
    assert docs.rewrite_link("figures/verdict.png", pages) == "figures/verdict.png"
    assert docs.rewrite_link("data/results/verdict.csv", pages) == "results/verdict.csv"
    assert docs.rewrite_link("tests/test_extend.py", pages) == f"{docs.GIT_URL}/tests/test_extend.py"
    assert docs.rewrite_link("https://arxiv.org/abs/2502.05925", pages) == "https://arxiv.org/abs/2502.05925"
    assert docs.rewrite_link("nbs/nope.ipynb", pages) == "nbs/nope.ipynb"          # unknown: left for the check to name

def test_the_check_names_broken_links_and_directives(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#x">b</a><img src="img/p.png"><a href="https://x.org/y">out</a>'
                                     '<a href="/c.html">c</a><a href="#top">top</a>')
    (tmp_path / "b.html").write_text("<pre>#| export\ndef f(): pass</pre>")
    (tmp_path / "img").mkdir(); (tmp_path / "img" / "p.png").write_bytes(b"")
    bad = docs.check_site(tmp_path)
    assert bad == ["a.html: broken link /c.html", "b.html: an unrendered `#|` directive"], bad
    (tmp_path / "c.html").write_text("<p>fine</p>"); (tmp_path / "b.html").write_text("<p>x #|y</p>")
    assert docs.check_site(tmp_path) == []
