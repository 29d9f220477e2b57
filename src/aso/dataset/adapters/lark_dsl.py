"""Any DSL with a Lark grammar: its named rules are the constructs (`lark:GRAMMAR.lark`).

Rules whose names start with `_`, rules marked `?` (inlined when they have one child) and `start` are
not constructs. An optional sidecar `GRAMMAR.yaml` gives descriptions, the fence tag, the prior section
and reference example files. Lark DSLs are parse-only: nothing executes, so Stage 2 reports
NOT_EXECUTABLE and test quality is static (assertion-like constructs present, not run).
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

from lark import Lark
from lark.exceptions import LarkError, UnexpectedInput

from aso.config_files import read_yaml
from aso.dataset.adapters.base import ExecutionOutcome, ExecutionResult, ParseResult
from aso.errors import ConfigError

SHIPPED_GRAMMARS = ("avap",)


def resolve_grammar(spec: str) -> Path:
    """`avap` (shipped) or a path to a `.lark` file -> the grammar file (ConfigError when missing)."""
    if spec in SHIPPED_GRAMMARS:
        return Path(str(resources.files("aso.dataset").joinpath("grammars").joinpath(f"{spec}.lark")))
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"lark grammar not found: {path} (or use a shipped one: {', '.join(SHIPPED_GRAMMARS)})"
        )
    return path


class LarkAdapter:
    """A DSL defined by a Lark grammar file; parse-only."""

    fence = "text"

    def __init__(self, grammar_path: Path) -> None:
        self.grammar_path = Path(grammar_path)
        self.grammar_text = self.grammar_path.read_text(encoding="utf-8")
        try:
            self._parser = Lark(self.grammar_text, parser="lalr", propagate_positions=False)
        except LarkError as exc:
            try:
                self._parser = Lark(self.grammar_text, parser="earley")
            except LarkError:
                raise ConfigError(f"{self.grammar_path}: not a valid Lark grammar ({exc})") from exc
        sidecar = self.grammar_path.with_suffix(".yaml")
        self._meta = read_yaml(sidecar, "grammar sidecar", allow_empty=True) if sidecar.is_file() else {}
        self.name = f"lark:{self.grammar_path.stem}"
        self.display_name = self._meta.get("display_name", f"the {self.grammar_path.stem} language")
        self.fence = self._meta.get("fence", self.grammar_path.stem)
        self.prior_key = self._meta.get("prior_key", self.grammar_path.stem)
        self._descriptions = {str(k): str(v) for k, v in (self._meta.get("descriptions") or {}).items()}
        names = []
        for rule in self._parser.rules:
            name = str(rule.origin.name)
            if name.startswith("_") or name == "start" or rule.options.expand1 or name in names:
                continue
            names.append(name)
        if len(names) < 3:
            raise ConfigError(f"{self.grammar_path}: needs at least 3 named rules to build cells")
        self._vocabulary = names

    def vocabulary(self) -> list[str]:
        """Named rules of the grammar, in grammar order."""
        return list(self._vocabulary)

    def describe(self, construct: str) -> str:
        """The sidecar's description of a rule, or its name."""
        return self._descriptions.get(construct, f"the `{construct}` construct")

    def reference_text(self) -> str:
        """Grammar and example programs shown to the model (it has never seen this language)."""
        parts = [f"Grammar (Lark):\n{self.grammar_text.strip()}"]
        for rel in self._meta.get("examples", []):
            path = self.grammar_path.parent / rel
            if path.is_file():
                parts.append(f"Example:\n```{self.fence}\n{path.read_text(encoding='utf-8').strip()}\n```")
        return "\n\n".join(parts)

    def parse(self, code: str) -> ParseResult:
        """Parse with the grammar; the rule names in the tree are the constructs."""
        try:
            tree = self._parser.parse(code.strip() + "\n")
        except UnexpectedInput as exc:
            return ParseResult(
                ok=False,
                error=f"Lark parse error: {str(exc).strip().splitlines()[0]} "
                f"(line {exc.line}, column {exc.column})",
            )
        except LarkError as exc:
            return ParseResult(ok=False, error=f"Lark parse error: {str(exc).strip().splitlines()[0]}")
        counts = Counter(str(t.data) for t in tree.iter_subtrees() if str(t.data) != "start")
        return ParseResult(ok=True, constructs=counts)

    def execute(self, code: str, parsed: ParseResult) -> ExecutionResult:
        """Nothing to run: a Lark DSL has a parser only."""
        asserts = sum(v for k, v in parsed.constructs.items() if "assert" in k.lower())
        return ExecutionResult(ExecutionOutcome.NOT_EXECUTABLE, assertions=asserts)
