"""Build the docs site offline (`make docs`): the notebooks as nbdev shows them, a page for the verdict, an API reference.

1. Every notebook of nbs/ becomes a Markdown page (nbconvert, outputs kept, images extracted) after what nbdev's
   processing does for a site: raw front matter and `#| hide` cells dropped, the other `#|` directive lines removed.
   Links to notebooks become links to their pages; a link to a file of the repository outside nbs/ (a test, a CSV,
   a figure) points at the copy the site carries (figures/, results/) or at the file on GitHub.
2. `verdict.md`: each claim of data/results/verdict.csv with its numbers, a link to the chapter that declares it and
   the run ids each column rests on, with their configs from the record (study_runs.csv).
3. `api/<module>.md`: mkdocstrings reads each module's docstrings (griffe: static, nothing is imported). Equations
   render with the MathJax that PyPI's jupyter-server-mathjax ships, so the site needs no network to read.
4. mkdocs (Material theme, its search) builds _docs/site; then every internal link and image of every page must
   resolve to a file of the site, and no `#|` directive may be left: either fails the build with a list.

python tools/docs.py            # build and check (about a minute on 2 cores)
python tools/docs.py --check    # check an existing _docs/site only
"""
import json, re, shutil, subprocess, sys, time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, unquote

ROOT = Path(__file__).resolve().parent.parent
NBS, OUT = ROOT / "nbs", ROOT / "_docs"
SRC, SITE = OUT / "src", OUT / "site"
GIT_URL = "https://github.com/signsym/signsym/blob/main"
DIRECTIVE = re.compile(r"^\s*#\|")

def _settings() -> dict:
    import configparser
    c = configparser.ConfigParser(); c.read(ROOT / "settings.ini")
    return dict(c["DEFAULT"])

# ---- 1. notebooks to pages -------------------------------------------------------------------------------------------
def directives(src:str) -> list:
    "The `#|` directive lines at the top of a code cell, as words ('#| hide' -> ['hide'])."
    out = []
    for line in src.splitlines():
        if not DIRECTIVE.match(line): break
        out.append(line.split("|", 1)[1].split())
    return out

def proc_cell(cell:dict):
    "A cell as the site shows it (None: left out): no raw cells, no `#| hide` cells, no `#|` lines."
    if cell["cell_type"] == "raw": return None
    if cell["cell_type"] != "code": return cell
    src = "".join(cell["source"])
    if any(d and d[0] in ("hide", "exporti") for d in directives(src)): return None
    kept = "\n".join(l for l in src.splitlines() if not DIRECTIVE.match(l)).strip("\n")
    if not kept and not cell.get("outputs"): return None
    return {**cell, "source": kept}

LINK = re.compile(r"(\]\()([^)\s]+)(\))")

def rewrite_link(target:str, pages:set) -> str:
    "A Markdown link target of a notebook, as the site reaches it."
    if re.match(r"^[a-z]+:", target) or target.startswith("#"): return target
    path, _, frag = target.partition("#")
    name = Path(path).name
    frag = f"#{frag}" if frag else ""
    if name.endswith(".ipynb") and Path(name).stem in pages: return f"{Path(name).stem}.md{frag}"
    if path.startswith(("figures/", "../figures/")): return "figures/" + name + frag
    if path.startswith(("data/results/", "../data/results/")) and name.endswith(".csv"): return "results/" + name + frag
    repo = (ROOT / path.removeprefix("../")) if path.startswith("../") else ROOT / path
    if repo.exists(): return f"{GIT_URL}/{repo.relative_to(ROOT).as_posix()}{frag}"
    return target                                               # left as it is: the link check names it

def proc_notebook(nb:dict, pages:set) -> dict:
    cells = []
    for c in nb["cells"]:
        c = proc_cell(c)
        if c is None: continue
        if c["cell_type"] == "markdown":
            src = "".join(c["source"])
            c = {**c, "source": LINK.sub(lambda m: m.group(1) + rewrite_link(m.group(2), pages) + m.group(3), src)}
        cells.append(c)
    return {**nb, "cells": cells}

def notebook_pages() -> list:
    "The notebooks of the site, index first, then as nbs/ sorts them."
    nbs = sorted(NBS.glob("*.ipynb"))
    return sorted(nbs, key=lambda p: (p.stem != "index", p.name))

def write_pages(nbs:list) -> dict:
    "Convert every notebook; {stem: its title}."
    import nbformat
    from nbconvert import MarkdownExporter
    ex, titles, pages = MarkdownExporter(), {}, {p.stem for p in nbs}
    for p in nbs:
        nb = nbformat.reads(json.dumps(proc_notebook(json.loads(p.read_text()), pages)), as_version=4)
        body, res = ex.from_notebook_node(nb, resources=dict(output_files_dir=f"{p.stem}_files"))
        (SRC / f"{p.stem}.md").write_text(body)
        for name, data in res.get("outputs", {}).items():
            f = SRC / name; f.parent.mkdir(parents=True, exist_ok=True); f.write_bytes(data)
        m = re.search(r"^# (.+)$", body, re.M)
        titles[p.stem] = m.group(1).strip() if m else p.stem
    return titles

# ---- 2. the verdict page ---------------------------------------------------------------------------------------------
def chapter_of_module() -> dict:
    "module name -> the notebook stem that exports it (`#| default_exp`)."
    out = {}
    for p in NBS.glob("*.ipynb"):
        m = re.search(r"#\| default_exp (\w+)", p.read_text())
        if m: out[f"signsym.{m.group(1)}"] = p.stem
    return out

def claim_chapter(claim) -> str:
    "The chapter that declares a claim: the one exporting the pipeline of the system its rows belong to."
    from signsym.config import SYSTEMS
    backbones = claim.where.get("backbone")
    backbones = set(backbones if isinstance(backbones, (list, tuple)) else [backbones])
    for s in SYSTEMS.values():
        if backbones & set(s.backbones) and s.pipeline is not None:
            return chapter_of_module().get(type(s.pipeline).__module__, "")
    return ""

def _fmt(v, digits=3):
    return "" if v is None or (isinstance(v, float) and v != v) else f"{v:.{digits}g}" if isinstance(v, float) else str(v)

def verdict_page(results:Path) -> str:
    import pandas as pd
    import signsym.run                                          # noqa: F401  (registers every built-in system and claim)
    from signsym.config import CLAIMS
    table, numbers = results / "verdict.csv", results / "verdict_numbers.csv"
    if not table.exists(): return "# The verdict\n\nNo verdict yet: run `make summary`.\n"
    v = pd.read_csv(table, keep_default_na=False)
    n = pd.read_csv(numbers, keep_default_na=False) if numbers.exists() else pd.DataFrame(columns=["claim"])
    runs = pd.read_csv(results / "study_runs.csv", dtype=str).set_index("run_id") if (results / "study_runs.csv").exists() else None
    by_claim = {c.claim: c for c in CLAIMS}
    out = ["# The verdict", "",
           "Each claim of `data/results/verdict.csv`, with the chapter that declares it, the numbers behind each column "
           "(`verdict_numbers.csv`: the effect, variants minus baseline, paired over the same images and seeds, with its "
           "95% interval) and the runs each column rests on, with their configs from the record. The table: "
           "[index](index.md#the-verdict); how it is computed: [report](13_report.md).", ""]
    for _, r in v.iterrows():
        c = by_claim.get(r["claim"])
        ch = claim_chapter(c) if c else ""
        said = r["paper's number"]
        out += [f"## {r['paper'].split(' (')[0]}: {r['claim']}", "",
                f"**Verdict: {r['verdict']}.** The paper: {said}."
                + (f" Declared in [{ch}]({ch}.md)." if ch else ""), ""]
        if r.get("ours differs by"): out += [f"Where ours differs: {r['ours differs by']}", ""]
        rows = n[n.claim == r["claim"]] if len(n) else n
        if not len(rows): out += ["Not measured yet: the record holds none of its runs.", ""]; continue
        out += ["| column | attack | gradient | ε | variants | baseline | effect | 95% interval | seeds | images | state |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        for _, x in rows.iterrows():
            out.append("| " + " | ".join([x["column"], x["attack"], x["grad"], _fmt(x["eps"]), _fmt(x["variants"]),
                                         _fmt(x["baseline"]), _fmt(x["effect"]), f"[{_fmt(x['ci_low'])}, {_fmt(x['ci_high'])}]",
                                         _fmt(x["seeds"]), _fmt(x["images"]), x["state"]]) + " |")
        out.append("")
        ids = sorted({i for s in rows.get("runs", []) for i in str(s).split()})
        if ids:
            out += [f"The runs ({len(ids)}):", ""]
            for i in ids:
                cfg = json.loads(runs.loc[i, "config"]) if runs is not None and i in runs.index else None
                head = f"`{i}`" + (f" · {runs.loc[i, 'variant']} · seed {cfg.get('seed')} · {cfg.get('dataset')}" if cfg else " (not in study_runs.csv)")
                out += [f"<details><summary>{head}</summary>", "", "```json", json.dumps(cfg, indent=1, sort_keys=True), "```",
                        "", "</details>", ""] if cfg else [f"- {head}", ""]
    return "\n".join(out) + "\n"

# ---- 3-4. the API reference, mkdocs, the checks ----------------------------------------------------------------------
def api_pages() -> list:
    mods = sorted(chapter_of_module(), key=lambda m: chapter_of_module()[m])
    (SRC / "api").mkdir(exist_ok=True)
    for m in mods:
        (SRC / "api" / f"{m.split('.')[1]}.md").write_text(f"# `{m}`\n\nFrom [{chapter_of_module()[m]}](../{chapter_of_module()[m]}.md).\n\n::: {m}\n")
    return mods

def mkdocs_yml(titles:dict, mods:list) -> str:
    s = _settings()
    chapters = [k for k in titles if re.match(r"\d", k)]
    nav = [{"Home": "index.md"}, {"The verdict": "verdict.md"},
           {"Results": [{"Tables": "tables.md"}, {"Figures": "figures.md"}]},
           {"Chapters": [{f"{k}: {titles[k]}": f"{k}.md"} for k in chapters]},
           {"Guide": [{"Guide": "guide.md"}, {"One run (papermill)": "run_experiment.md"}, {"Performance": "performance.md"}]},
           {"API": [{m: f"api/{m.split('.')[1]}.md"} for m in mods]}]
    cfg = {"site_name": s.get("title", "signsym"), "site_description": s.get("description", ""), "repo_url": s.get("git_url"),
           "docs_dir": "src", "site_dir": "site", "use_directory_urls": False, "strict": True,
           "theme": {"name": "material", "features": ["navigation.sections", "search.highlight", "content.code.copy"]},
           "plugins": ["search", {"mkdocstrings": {"handlers": {"python": {"paths": [str(ROOT)], "options": {
               "docstring_style": None, "show_source": True, "show_root_heading": False, "members_order": "source",
               "show_signature_annotations": True, "separate_signature": True, "filters": ["!^_"]}}}}}],
           "markdown_extensions": ["tables", "admonition", "attr_list", "md_in_html", {"toc": {"permalink": True}},
                                   {"pymdownx.arithmatex": {"generic": True}}, "pymdownx.superfences"],
           "extra_javascript": ["javascripts/mathjax-config.js", "javascripts/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"],
           "validation": {"links": {"not_found": "warn", "anchors": "info", "unrecognized_links": "warn"}, "nav": {"omitted_files": "info"}},
           "nav": nav}
    return json.dumps(cfg, indent=1)                          # JSON is YAML

class _Links(HTMLParser):
    def __init__(self):
        super().__init__(); self.links = []
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v: self.links.append(v)

def check_site(site:Path=SITE) -> list:
    "Every internal href/src of every page resolves to a file of the site; no page shows a `#|` directive."
    bad = []
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(errors="replace")
        if re.search(r"(?:^|[\n>])\s*#\|\s*\w", html): bad.append(f"{page.relative_to(site)}: an unrendered `#|` directive")
        p = _Links(); p.feed(html)
        for link in p.links:
            u = urlsplit(link)
            if u.scheme or u.netloc or link.startswith(("#", "mailto:", "data:", "javascript:")): continue
            base = site if u.path.startswith("/") else page.parent
            target = (base / unquote(u.path).lstrip("/")).resolve() if u.path else page
            if u.path.endswith("/"): target = target / "index.html"
            if not target.exists(): bad.append(f"{page.relative_to(site)}: broken link {link}")
    return bad

def build() -> float:
    t0 = time.time()
    shutil.rmtree(SRC, ignore_errors=True); SRC.mkdir(parents=True)
    titles = write_pages(notebook_pages())
    shutil.copytree(ROOT / "figures", SRC / "figures", ignore=shutil.ignore_patterns(".gitkeep"))
    (SRC / "results").mkdir()
    for f in (ROOT / "data" / "results").glob("*.csv"): shutil.copy(f, SRC / "results" / f.name)
    (SRC / "verdict.md").write_text(verdict_page(ROOT / "data" / "results"))
    import jupyter_server_mathjax                               # MathJax 2 from PyPI: equations render offline
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", SRC / "javascripts" / "mathjax")
    (SRC / "javascripts" / "mathjax-config.js").write_text(  # that package ships the STIX-Web fonts only, not TeX's
        'window.MathJax = {"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null}};\n')
    mods = api_pages()
    (OUT / "mkdocs.yml").write_text(mkdocs_yml(titles, mods))
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--clean", "-q", "-f", str(OUT / "mkdocs.yml")],
                       capture_output=True, text=True)
    if r.returncode: sys.exit(f"mkdocs failed:\n{r.stdout}\n{r.stderr}")
    return time.time() - t0

if __name__ == "__main__":
    took = None if "--check" in sys.argv else build()
    bad = check_site()
    if bad: sys.exit(f"{len(bad)} problem(s) in {SITE}:\n" + "\n".join(bad[:40]))
    print(f"docs: {len(list(SITE.rglob('*.html')))} pages in {SITE}" + (f", built in {took:.0f} s" if took else "") + "; links and directives checked")
