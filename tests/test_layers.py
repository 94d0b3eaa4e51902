"""The package imports one way: every import of a signsym module, at the top of a module or inside a function, by
`import`, `from`, `importlib` or a "module:attr" string, points down a graph without cycles; and a config's rule is
compared with a name only in the learning system that owns that rule (or its BP baseline)."""
import ast, re
from conftest import ROOT

PKG = ROOT / "signsym"

def system_rules() -> dict:
    "module -> the rules its system owns: those it trains beyond signsym.rules' (mlp: PEPITA and DFA; biotorch: DFA)."
    import signsym.run
    from signsym.config import SYSTEMS
    from signsym.rules import RULES
    return {type(s.pipeline).__module__.split(".")[-1]: set(s.rule_names()) - set(RULES) for s in SYSTEMS.values()}

def signsym_imports(path) -> set:
    "The signsym modules a module imports, anywhere in it."
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 1: out |= {mod.split(".")[0]} if mod else {a.name for a in node.names}
            elif mod == "signsym": out |= {a.name for a in node.names}
            elif mod.startswith("signsym."): out.add(mod.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("signsym.")}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if m := re.fullmatch(r"signsym\.(\w+)(:\w+)?", node.value): out.add(m.group(1))
    return out - {path.stem}

def graph() -> dict:
    return {p.stem: signsym_imports(p) for p in PKG.glob("*.py") if p.stem not in ("__init__", "_modidx")}

def cycle(g:dict):
    "A cycle of `g` as a list of modules, or None."
    state, stack = {}, []
    def visit(m):
        state[m] = "open"; stack.append(m)
        for n in sorted(g.get(m, ())):
            if state.get(n) == "open": return stack[stack.index(n):] + [n]
            if n not in state and (c := visit(n)): return c
        state[m] = "done"; stack.pop()
    for m in sorted(g):
        if m not in state and (c := visit(m)): return c

def test_imports_run_one_way():
    g = graph()
    assert len(g) >= 15 and "config" in g["run"] and "run" not in g["config"]
    assert cycle(g) is None, f"import cycle: {' -> '.join(cycle(g))}"
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]          # the check sees one

def test_rules_are_named_only_by_their_system():
    pat = re.compile(r"""cfg\[["']rule["']\]\s*(?:==|!=)\s*["'](\w+)["']""")
    owned = system_rules()
    assert owned["mlp"] == {"PEPITA", "DFA"} and owned["kh"] == {"KH", "random"} and owned["finetune"] == set()
    for p in PKG.glob("*.py"):
        named = set(pat.findall(p.read_text()))
        allowed = owned[p.stem] | {"BP"} if p.stem in owned else set()
        assert named <= allowed, f"{p.name} compares a config's rule with {sorted(named - allowed)}"
