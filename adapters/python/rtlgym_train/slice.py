"""Signal slices with slang (pyslang): for a signal of a module, the code that determines it.

`python -m rtlgym_train slice` reads JSON lines `{"id", "text", "signals": [names] | null, "top": name | null}` on
stdin and writes one JSON line per request on stdout: `{"id", "ok", "top", "modules", "errors", "signals": {name:
{"direction", "spans": [[start, end], ...], "items": [{"kind", "span"}]}}}`. `signals: null` means every output port
of the top. Spans are [start, end) offsets in code points of the request's text (Python string indices), merged
and sorted. rtlgym's `src/tools/slice.ts` runs this; see docs/salv.md for what a slice contains.

A slice is built on slang's elaborated design, never on the text: the module items (continuous assignments, always
blocks, declarations with an initial value, submodule instances) that drive the signal, then, transitively, the
items driving every signal, parameter and enum value they read, the functions they call, the headers of the
generate constructs they sit in, and the declarations of the signal and of every internal signal it depends on
(a width there changes what the code computes; input ports are the interface, not the slice). A block that drives several signals is in the slice whole: a statement-level cut
would have to decide which control flow belongs to which signal, and the model writes the block as one unit.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable

import pyslang
from pyslang import ast, parsing, syntax

SK = ast.SymbolKind
XK = syntax.SyntaxKind

# Syntax kinds whose child list holds module items: a declaration's statement stops below them.
_ITEM_PARENTS = {
    XK.ModuleDeclaration,
    XK.GenerateBlock,
    XK.GenerateRegion,
    XK.CompilationUnit,
    XK.LoopGenerate,
    XK.IfGenerate,
    XK.ElseClause,
    XK.StandardCaseItem,
    XK.DefaultCaseItem,
    XK.AnsiPortList,
    XK.NonAnsiPortList,
    XK.ParameterPortList,
}


@dataclass
class _Item:
    kind: str
    spans: list[tuple[int, int]]
    drives: list[Any] = field(default_factory=list)
    reads: list[Any] = field(default_factory=list)
    calls: list[Any] = field(default_factory=list)
    # Extra items pulled in with this one (a submodule's own slice of the port it drives).
    extra: list[tuple[Any, Any]] = field(default_factory=list)


def _key(sym: Any) -> str:
    return f"{sym.hierarchicalPath}@{sym.location.offset}"


class _Offsets:
    """slang reports UTF-8 byte offsets; callers want code points."""

    def __init__(self, text: str) -> None:
        self.ascii = text.isascii()
        if not self.ascii:
            self.map: list[int] = []
            for i, ch in enumerate(text):
                self.map.extend([i] * len(ch.encode("utf-8")))
            self.map.append(len(text))

    def __call__(self, byte: int) -> int:
        return byte if self.ascii else self.map[min(byte, len(self.map) - 1)]


class _Slicer:
    def __init__(self, tree: Any, compilation: Any) -> None:
        self.sm = tree.sourceManager
        self.buffer = tree.root.sourceRange.start.buffer
        self.compilation = compilation
        self.bodies: dict[str, dict[str, list[_Item]]] = {}

    # --- spans -------------------------------------------------------------------------------------------------
    def span(self, node: Any) -> tuple[int, int] | None:
        if node is None:
            return None
        r = node.sourceRange
        r = self.sm.getFullyOriginalRange(r)
        if r.start.buffer != self.buffer:
            return None
        return (r.start.offset, r.end.offset)

    def statement(self, node: Any) -> Any:
        """The whole module item around a declarator or an assignment (`wire [3:0] t = a & b;`, `assign y = x;`)."""
        while node.parent is not None and node.parent.kind not in _ITEM_PARENTS:
            node = node.parent
        return node

    def generate_context(self, block: Any) -> list[tuple[int, int]]:
        """The header and `end` of the generate constructs around an item (`for (...) begin : g`, `if (c)`)."""
        spans: list[tuple[int, int]] = []
        node = block.syntax
        while node is not None and node.kind not in (XK.ModuleDeclaration, XK.CompilationUnit):
            parent = node.parent
            if node.kind == XK.GenerateBlock and len(node.members):
                whole = self.span(node)
                first, last = self.span(node.members[0]), self.span(node.members[len(node.members) - 1])
                if whole and first and last:
                    spans += [(whole[0], first[0]), (last[1], whole[1])]
            if parent is None:
                break
            ps, ns = self.span(parent), self.span(node)
            if ps and ns:
                if parent.kind == XK.IfGenerate and node.kind == XK.ElseClause:
                    head = self.span(parent.block)
                    spans.append((ps[0], head[0] if head else ns[0]))
                elif parent.kind == XK.CaseGenerate:
                    items = parent.items
                    first = self.span(items[0]) if len(items) else None
                    spans.append((ps[0], first[0] if first else ns[0]))
                    end = parent.endCase.range
                    spans.append((end.start.offset, end.end.offset))
                elif parent.kind in (
                    XK.LoopGenerate,
                    XK.IfGenerate,
                    XK.ElseClause,
                    XK.StandardCaseItem,
                    XK.DefaultCaseItem,
                ):
                    spans.append((ps[0], ns[0]))
                elif parent.kind == XK.GenerateRegion:
                    spans.append((ps[0], ps[0] + len("generate")))
                    spans.append((ps[1] - len("endgenerate"), ps[1]))
            if parent.kind in (XK.GenerateRegion, XK.ModuleDeclaration):
                break
            node = parent
        return [s for s in spans if s[1] > s[0]]

    # --- references --------------------------------------------------------------------------------------------
    def lvalue_roots(self, expr: Any) -> list[Any]:
        if expr is None:
            return []
        if isinstance(expr, (ast.NamedValueExpression, ast.HierarchicalValueExpression)):
            return [expr.symbol]
        if isinstance(expr, ast.AssignmentExpression):
            return self.lvalue_roots(expr.left)
        if isinstance(expr, (ast.ElementSelectExpression, ast.RangeSelectExpression, ast.MemberAccessExpression)):
            return self.lvalue_roots(expr.value)
        if isinstance(expr, ast.ConcatenationExpression):
            return [s for op in expr.operands for s in self.lvalue_roots(op)]
        if isinstance(expr, ast.ConversionExpression):
            return self.lvalue_roots(expr.operand)
        refs: list[Any] = []
        self.refs(expr, refs, [], [])
        return refs

    def refs(self, node: Any, reads: list[Any], calls: list[Any], drives: list[Any]) -> None:
        if node is None:
            return

        def visit(n: Any) -> None:
            if isinstance(n, (ast.NamedValueExpression, ast.HierarchicalValueExpression)):
                reads.append(n.symbol)
            elif isinstance(n, ast.AssignmentExpression):
                drives.extend(self.lvalue_roots(n.left))
            elif isinstance(n, ast.CallExpression) and not n.isSystemCall:
                calls.append(n.subroutine)

        node.visit(visit)

    # --- module items ------------------------------------------------------------------------------------------
    def items(self, body: Any) -> dict[str, list[_Item]]:
        """Every item of an instance body (generate blocks included), indexed by the signals it drives."""
        path = body.hierarchicalPath
        if path in self.bodies:
            return self.bodies[path]
        drivers: dict[str, list[_Item]] = {}
        self.bodies[path] = drivers
        self.collect(body, [], drivers, [])
        return drivers

    def add(self, drivers: dict[str, list[_Item]], item: _Item) -> None:
        for sym in item.drives:
            drivers.setdefault(_key(sym), []).append(item)

    def collect(
        self, scope: Any, context: list[tuple[int, int]], drivers: dict[str, list[_Item]], guards: list[Any]
    ) -> None:
        """`context`: the spans of the generate headers around `scope`; `guards`: their conditions (read too)."""
        guard_reads: list[Any] = []
        for g in guards:
            self.refs(g, guard_reads, [], [])
        before = {id(i) for items in drivers.values() for i in items}
        self._collect(scope, context, drivers)
        for items in drivers.values():
            for i in items:
                if id(i) not in before:
                    i.reads.extend(r for r in guard_reads if r not in i.reads)

    def chain(self, block: Any) -> int | None:
        """Where the outermost `if` of a generate block's if / else-if chain starts (its identity)."""
        node = block.syntax
        while node is not None and node.parent is not None and node.parent.kind in (XK.IfGenerate, XK.ElseClause):
            node = node.parent
        return node.sourceRange.start.offset if node is not None else None

    def _collect(self, scope: Any, context: list[tuple[int, int]], drivers: dict[str, list[_Item]]) -> None:
        for m in scope:
            k = m.kind
            if k == SK.ContinuousAssign and isinstance(m.assignment, ast.AssignmentExpression):
                reads: list[Any] = []
                calls: list[Any] = []
                self.refs(m.assignment, reads, calls, [])
                s = self.span(self.statement(m.syntax))
                if s:
                    drives = self.lvalue_roots(m.assignment.left)
                    self.add(drivers, _Item("assign", [s, *context], drives, reads, calls))
            elif k == SK.ProceduralBlock:
                reads, calls, drives = [], [], []
                self.refs(m.body, reads, calls, drives)
                s = self.span(m.syntax)
                if s:
                    self.add(drivers, _Item("always", [s, *context], drives, reads, calls))
            elif k in (SK.Net, SK.Variable) and m.initializer is not None and m.syntax is not None:
                reads, calls = [], []
                self.refs(m.initializer, reads, calls, [])
                s = self.span(self.statement(m.syntax))
                if s:
                    self.add(drivers, _Item("declaration", [s, *context], [m], reads, calls))
            elif k == SK.Parameter and m.syntax is not None and scope.kind != SK.GenerateBlock:
                # (a generate loop's index is a parameter of each iteration's block: the loop header covers it)
                s = self.span(self.statement(m.syntax))
                if s:
                    self.add(drivers, _Item("parameter", [s, *context], [m]))
            elif k == SK.Instance:
                self.instance(m, context, drivers)
            elif k == SK.GenerateBlock:
                if not m.isUninstantiated:
                    # Every condition of its if / else-if chain decided that this branch is the one elaborated.
                    chain = [b.conditionExpression for b in scope if b.kind == SK.GenerateBlock and self.chain(b) == self.chain(m)]
                    self.collect(m, context + self.generate_context(m), drivers, chain)
            elif k == SK.GenerateBlockArray:
                # The loop's bounds decide how many copies there are.
                bounds = [m.initialExpression, m.stopExpression, m.iterExpression]
                for block in m:
                    if block.kind == SK.GenerateBlock and not block.isUninstantiated:
                        self.collect(block, context + self.generate_context(block), drivers, bounds)

    def instance(self, inst: Any, context: list[tuple[int, int]], drivers: dict[str, list[_Item]]) -> None:
        stmt = self.span(self.statement(inst.syntax))
        if not stmt:
            return
        inputs: list[Any] = []
        calls: list[Any] = []
        outputs: list[tuple[Any, Any]] = []
        for conn in inst.portConnections:
            port, expr = conn.port, conn.expression
            if expr is None or not isinstance(port, ast.PortSymbol):
                continue
            if port.direction == ast.ArgumentDirection.In:
                self.refs(expr, inputs, calls, [])
            else:
                outputs.append((port, expr))
        for port, expr in outputs:
            # The submodule's own slice of the port comes with the instance (in the submodule's text).
            item = _Item("instance", [stmt, *context], self.lvalue_roots(expr), list(inputs), list(calls))
            if port.internalSymbol is not None:
                item.extra.append((inst.body, port.internalSymbol))
            self.add(drivers, item)

    def inputs(self, body: Any) -> set[str]:
        return {
            _key(p.internalSymbol)
            for p in body.portList
            if isinstance(p, ast.PortSymbol) and p.direction == ast.ArgumentDirection.In and p.internalSymbol is not None
        }

    # --- the slice ---------------------------------------------------------------------------------------------
    def slice(self, body: Any, target: Any) -> tuple[list[tuple[int, int]], list[dict[str, Any]]]:
        spans: list[tuple[int, int]] = []
        listed: list[dict[str, Any]] = []
        seen_items: set[int] = set()
        seen_syms: set[str] = set()
        seen_subs: set[str] = set()
        work: list[tuple[Any, Any]] = [(body, target)]
        while work:
            scope_body, sym = work.pop()
            key = _key(sym)
            if key in seen_syms:
                continue
            seen_syms.add(key)
            if sym.kind == SK.EnumValue:
                s = self.enum_declaration(sym)
                if s:
                    spans.append(s)
                    listed.append({"kind": "enum", "span": list(s)})
                continue
            if sym.kind in (SK.Net, SK.Variable) and key not in self.inputs(scope_body):
                # Its declaration: a width or signedness there changes what the driving code computes.
                s = self.span(self.statement(sym.syntax)) if sym.syntax is not None else None
                if s:
                    spans.append(s)
                    listed.append({"kind": "declaration", "span": list(s)})
            for item in self.items(scope_body).get(key, []):
                if id(item) in seen_items:
                    continue
                seen_items.add(id(item))
                spans.extend(item.spans)
                listed.append({"kind": item.kind, "span": list(item.spans[0])})
                work.extend((scope_body, r) for r in item.reads)
                work.extend(item.extra)
                for sub in item.calls:
                    self.subroutine(scope_body, sub, seen_subs, spans, listed, work)
        return spans, listed

    def subroutine(self, body: Any, sub: Any, seen: set[str], spans: list, listed: list, work: list) -> None:
        if not isinstance(sub, ast.SubroutineSymbol) or _key(sub) in seen:
            return
        seen.add(_key(sub))
        s = self.span(sub.syntax)
        if s:
            spans.append(s)
            listed.append({"kind": "function" if sub.subroutineKind == ast.SubroutineKind.Function else "task", "span": list(s)})
        reads: list[Any] = []
        calls: list[Any] = []
        self.refs(sub.body, reads, calls, [])
        # Its arguments and locals have no drivers among the module items: only module signals it reads are followed.
        work.extend((body, r) for r in reads)
        for c in calls:
            self.subroutine(body, c, seen, spans, listed, work)

    def enum_declaration(self, value: Any) -> tuple[int, int] | None:
        node = value.syntax
        while node is not None and node.kind not in (XK.TypedefDeclaration, XK.DataDeclaration, XK.NetDeclaration):
            if node.kind in _ITEM_PARENTS:
                return None
            node = node.parent
        return self.span(node)


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Without the whitespace at either end (a generate header runs up to its first item)."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _merge(spans: Iterable[tuple[int, int]], conv: _Offsets, text: str) -> list[list[int]]:
    out: list[list[int]] = []
    trimmed = (_trim(text, conv(a), conv(b)) for a, b in spans if b > a)
    for a, b in sorted((a, b) for a, b in trimmed if b > a):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def _items(items: list[dict[str, Any]], conv: _Offsets) -> list[dict[str, Any]]:
    """One entry per distinct item (a generate loop's iterations share their text)."""
    out = {(i["kind"], conv(i["span"][0]), conv(i["span"][1])) for i in items}
    return [{"kind": k, "span": [a, b]} for k, a, b in sorted(out, key=lambda t: (t[1], t[2], t[0]))]


_DIRECTIONS = {ast.ArgumentDirection.In: "input", ast.ArgumentDirection.Out: "output", ast.ArgumentDirection.InOut: "inout"}


def slice_text(text: str, signals: list[str] | None = None, top: str | None = None) -> dict[str, Any]:
    """Slices of `signals` (default: every output port) of module `top` (default: the only top-level module)."""
    # No `include is read: the text alone is the design (a candidate must not get host files parsed into it).
    preprocessor = parsing.PreprocessorOptions()
    preprocessor.maxIncludeDepth = 0
    tree = syntax.SyntaxTree.fromText(text, pyslang.SourceManager(), "design.sv", "", pyslang.Bag([preprocessor]))
    options = ast.CompilationOptions()
    if top:
        options.topModules = {top}
    compilation = ast.Compilation(pyslang.Bag([options]))
    compilation.addSyntaxTree(tree)
    conv = _Offsets(text)
    modules = [d.name for d in compilation.getDefinitions() if d.kind == SK.Definition and str(d.definitionKind).endswith("Module")]
    engine = pyslang.DiagnosticEngine(tree.sourceManager)
    buffer = tree.root.sourceRange.start.buffer
    errors = [
        {"message": engine.formatMessage(d), "offset": conv(d.location.offset) if d.location.buffer == buffer else None}
        for d in compilation.getAllDiagnostics()
        if d.isError()
    ][:20]
    result: dict[str, Any] = {"ok": not errors, "top": None, "modules": modules, "errors": errors, "signals": {}}
    tops = list(compilation.getRoot().topInstances)
    if top:
        tops = [t for t in tops if t.name == top]
        if not tops:
            result["ok"] = False
            result["errors"].append({"message": f"no module named {top}", "offset": None})
            return result
    if len(tops) != 1:
        result["ok"] = False
        names = ", ".join(t.name for t in tops) or "none"
        result["errors"].append({"message": f"{len(tops)} top-level modules ({names}): name one with top", "offset": None})
        return result
    inst = tops[0]
    result["top"] = inst.name
    body = inst.body
    ports = {p.name: p for p in body.portList if isinstance(p, ast.PortSymbol)}
    wanted = signals if signals is not None else [n for n, p in ports.items() if p.direction != ast.ArgumentDirection.In]
    slicer = _Slicer(tree, compilation)
    for name in wanted:
        port = ports.get(name)
        sym = port.internalSymbol if port is not None else body.find(name)
        if sym is None or sym.kind not in (SK.Net, SK.Variable):
            result["signals"][name] = {"error": f"no signal {name} in module {inst.name}"}
            continue
        try:
            spans, items = slicer.slice(body, sym)
        except Exception as e:  # noqa: BLE001 - slang's recovery trees can hold shapes a valid design never has
            result["ok"] = False
            result["signals"][name] = {"error": f"cannot slice {name}: {type(e).__name__}: {e}"}
            continue
        result["signals"][name] = {
            "direction": _DIRECTIONS.get(port.direction, "inout") if port is not None else "internal",
            "spans": _merge(spans, conv, text),
            "items": _items(items, conv),
        }
    return result


def main(stdin: Any = None, stdout: Any = None) -> int:
    """JSON lines in, JSON lines out (one answer per request, in order); a bad request gets an `error` answer."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    for line in stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            answer = slice_text(req["text"], req.get("signals"), req.get("top"))
            answer["id"] = req.get("id")
        except Exception as e:  # noqa: BLE001 - one bad request must not end the batch
            answer = {"id": None, "ok": False, "fatal": f"{type(e).__name__}: {e}", "signals": {}, "errors": []}
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
