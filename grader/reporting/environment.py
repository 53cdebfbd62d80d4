"""The one Jinja environment of the package: report templates and the class summary.

Jinja2 is imported here, on first use, so `kata --help` and friends start fast.
"""
from __future__ import annotations

from pathlib import Path

from grader.model.facts import KataFacts
from grader.model.results import ERROR, FAIL, FAILED, NOT_IMPLEMENTED, PASS, WARN, CheckResult, GradeReport, KataResult
from grader.reporting import filters

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_ENVIRONMENTS: dict = {}


def environment(fmt: str):
    """The environment for one output format: HTML autoescapes, the others do not."""
    env = _ENVIRONMENTS.get(fmt)
    if env is not None:
        return env
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=(fmt == "html"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    @jinja2.pass_context
    def paint(ctx, text, *styles: str) -> str:
        text = str(text)
        if not ctx.get("color") or not text:
            return text
        codes = ";".join(filters.ANSI[s] for s in styles if s)
        return f"\x1b[{codes}m{text}\x1b[0m" if codes else text

    @jinja2.pass_context
    def hint_title(ctx, kata, level) -> str:
        entry = (ctx.get("facts") or {}).get(kata.id)
        return entry.hint_title(level) if entry else ""

    @jinja2.pass_context
    def tally(ctx, kata) -> str:
        return filters.tally(kata, (ctx.get("facts") or {}).get(kata.id))

    @jinja2.pass_context
    def line(ctx, indent, hang, *parts) -> str:
        """One wrapped, painted line of the text report (see filters.wrap_parts)."""
        return filters.wrap_parts(parts, ctx.get("width"), indent, hang, bool(ctx.get("color")))

    env.filters.update(
        paint=paint,
        hint_title=hint_title,
        mark=lambda status: filters.MARK.get(status, "?"),
        emoji=lambda status: filters.EMOJI.get(status, "❔"),
        word=lambda status: filters.WORD.get(status, str(status)),
        style=lambda status: filters.STYLE.get(status, "bold"),
        kata_word=lambda kata: filters.KATA_WORD.get(kata.status, str(kata.status).upper()),
        kata_style=lambda kata: filters.KATA_STYLE.get(kata.status, "bold"),
        kata_emoji=lambda kata: filters.KATA_EMOJI.get(kata.status, "❔"),
        tally=tally,
        plural=filters.plural,
        pad=lambda text, width: str(text).ljust(width),
        title_width=lambda kata: min(40, max((len(c.title) for c in kata.checks), default=0)),
        indent_lines=filters.indent_lines,
        md_cell=filters.md_cell,
        md_code=filters.md_code,
        md_fence=filters.md_fence,
        learner_file=filters.learner_file,
        reproduce=reproduce,
        hint_command=lambda kata, level: f"kata hint {kata.id} --level {level}",
        not_passed=lambda kata: [c for c in kata.checks if c.status != PASS],
        kata_problems=filters.kata_problems,
        explained_by=filters.explained_by,
        shown_diagnoses=filters.shown_diagnoses,
        unexplained=filters.unexplained,
        problem_summary=filters.problem_summary,
        learner_exception=filters.learner_exception,
        same_failure_as=filters.same_failure_as,
        html_commands=filters.html_commands,
        check_titles=lambda kata, names: [c.title for n in names for c in kata.checks if c.name == n][:len(names)],
        diagnoses=filters.diagnoses,
        hint_levels=filters.hint_levels,
        comparisons=filters.comparisons,
        other_details=filters.other_details,
        num=lambda x: f"{round(float(x), 2):g}",
        pct=lambda x: f"{x:.0f}%",
    )
    env.globals["line"] = line
    env.tests["waiting"] = lambda check: check.waiting
    _ENVIRONMENTS[fmt] = env
    return env


def reproduce(kata: KataResult, seed: int) -> str:
    """The command that reruns `kata`'s hidden cases: the one place reports word it.
    `kata repro` grades at that seed and writes the failing case as a script to debug."""
    return f"kata repro {kata.id} --seed {seed}"


def context(report: GradeReport, facts: dict[str, KataFacts] | None = None) -> dict:
    """Numbers the report templates need more than once."""
    checks = [c for k in report.katas for c in k.checks]
    counts = {s.value: sum(c.status == s for c in checks) for s in (PASS, FAIL, WARN, ERROR)}
    # Checks blocked by a function that is still a stub are "waiting", not errors; a stub's
    # checks that never ran are waiting too (counted from the kata's full list).
    never_ran = sum(_unreached(k, (facts or {}).get(k.id)) for k in report.katas)
    counts["waiting"] = sum(c.waiting for c in checks) + never_ran
    counts[ERROR.value] -= sum(c.waiting and c.status == ERROR for c in checks)
    return {
        "n_katas": len(report.katas),
        "n_passed": sum(k.passed for k in report.katas),
        "n_checks": len(checks) + never_ran,
        "check_counts": counts,
        # Katas whose outcome depends on the inputs: a check that ran hidden cases failed
        # (a file that does not load has no case to rerun).
        "to_rerun": [k for k in report.katas if k.status == FAILED
                     and any(not c.ok and c.seed is not None for c in k.checks)],
        "id_width": max((len(k.id) for k in report.katas), default=0),
        "alias_width": max((len(k.alias) for k in report.katas), default=0),
        "n_problems": sum(len(k.problems) for k in report.katas),
        "next_step": filters.next_step(report, facts or {}),
    }


def _unreached(kata: KataResult, facts: KataFacts | None) -> int:
    """A stub's checks of the kata's full list that did not run (so none is reported)."""
    if kata.status != NOT_IMPLEMENTED or facts is None or not facts.planned:
        return 0
    ran = {c.name for c in kata.checks}
    return sum(name not in ran for name, _ in facts.planned)


def render_template(name: str, fmt: str, report: GradeReport, facts: dict[str, KataFacts], **extra) -> str:
    extra.setdefault("width", None)
    return environment(fmt).get_template(name).render(report=report, facts=facts, **context(report, facts), **extra)


def check_text(facts: dict[str, KataFacts]):
    """`text(kata, check, seed)`: a check's facts as plain lines (the text report's own
    macro), for JUnit failure bodies and Gradescope test output, so every format words
    a failure alike."""
    module = environment("text").get_template("_check.txt.j2").make_module({"color": False, "facts": facts,
                                                                             "width": None})

    def text(kata: KataResult, check: CheckResult, seed: int) -> str:
        return str(module.check_body(kata, check, seed, 0, True)).strip("\n")
    return text


def problems_text(facts: dict[str, KataFacts]):
    """`text(kata)`: the kata's problems as plain lines, each once ("" when it has none),
    for the formats whose checks are reported one by one (JUnit, Gradescope, PrairieLearn)."""
    module = environment("text").get_template("_check.txt.j2").make_module({"color": False, "facts": facts,
                                                                             "width": None})

    def text(kata: KataResult) -> str:
        return str(module.problem_list(kata, 0, True)).strip("\n")
    return text
