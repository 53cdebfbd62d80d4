"""The README tells the truth: its quick start is what CI runs, its links lead
somewhere, and the report it shows is what `kata grade` prints today.

Run as a script to refresh that report after changing the text report:

    python tests/test_readme.py
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# <!-- report:begin MISTAKE KATA SEED --> ``` ... ``` <!-- report:end -->
REPORT_BLOCK = re.compile(r"(<!-- report:begin (\S+) (\S+) (\d+) -->\n```\n)(.*?)(```\n<!-- report:end -->)", re.S)
WIDTH = 88
ISOLATION_LINE = re.compile(r"^isolation: .*$", re.M)  # differs between machines, not between reports


def section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def quick_start_commands(text: str) -> list[str]:
    block = re.search(r"```bash\n(.*?)```", section(text, "Quick start"), re.S)
    assert block, "the quick start has no bash block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def ci_commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))]


def grade_text(mistake: str, kata: str, seed: str) -> str:
    """What a learner sees who put this mistake file in a fresh workspace and graded it."""
    from grader.curriculum.catalog import Catalog

    learner_file = Catalog.builtin().get(kata).learner_file
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": str(WIDTH), "LINES": "40"}
    for name in ("KATA_WORKSPACE", "KATA_PATH"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory() as tmp:
        kata_cmd = [sys.executable, "-m", "grader"]
        subprocess.run(kata_cmd + ["init", str(Path(tmp) / "ws")], env=env, check=True, capture_output=True)
        shutil.copyfile(ROOT / mistake, Path(tmp) / "ws" / learner_file)
        done = subprocess.run(kata_cmd + ["grade", kata, "--seed", seed], cwd=Path(tmp) / "ws", env=env,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 1, f"{mistake} should fail {kata}:\n{done.stdout}{done.stderr}"
    return done.stdout


def same_report(text: str) -> str:
    return ISOLATION_LINE.sub("isolation: …", text).rstrip() + "\n"


def test_quick_start_is_two_commands_and_ci_runs_them():
    text = README.read_text(encoding="utf-8")
    commands = quick_start_commands(text)
    assert len(commands) == 2, commands
    # CI spells the first command out as separate lines: the same steps, in order.
    ci_steps = ci_commands()
    assert " && ".join(ci_steps[:-1]) == commands[0] and ci_steps[-1] == commands[1], (commands, ci_steps)


def test_quick_start_check_fails_when_they_drift():
    changed = README.read_text(encoding="utf-8").replace("kata grade --all --reference\npytest",
                                                         "kata grade --all --reference\npytest -x\nmake")
    assert len(quick_start_commands(changed)) != 2


def test_the_learner_comes_first():
    text = README.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[:3] == ["Quick start", "The learner loop", "What a grade looks like"], headings
    for moved in ("Threat model", "Grading a class", "Performance", "JSON report schema", "Layout"):
        assert not any(h.startswith(moved) for h in headings), f"'{moved}' belongs in docs/"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def relative_links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)  # links in code are not links
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+:", t)]


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in relative_links(path):
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", dest.read_text(encoding="utf-8"),
                                                      flags=re.S), re.M)
            if anchor not in {slug(h) for h in headings}:
                broken.append(f"{target}: no heading with that anchor")
    return broken


def test_every_relative_link_resolves():
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    broken = {p.name: b for p in pages if (b := broken_links(p))}
    assert not broken, broken
    assert sum(len(relative_links(p)) for p in pages) > 10  # the checker did see the links


def test_link_checker_finds_a_broken_link(tmp_path):
    (tmp_path / "other.md").write_text("# Real heading\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](other.md#real-heading) [gone](missing.md) [bad anchor](other.md#nowhere)\n"
                    "```\n[not a link](nowhere.md)\n```\n[web](https://example.org/x)\n")
    assert broken_links(page) == ["missing.md: no such file", "other.md#nowhere: no heading with that anchor"]


def test_the_shown_report_is_what_kata_grade_prints_today():
    match = REPORT_BLOCK.search(README.read_text(encoding="utf-8"))
    assert match, "README has no report:begin/end block"
    _, mistake, kata, seed, shown, _ = match.groups()
    assert (ROOT / mistake).is_file() and "/mistakes/" in mistake
    assert same_report(shown) == same_report(grade_text(mistake, kata, seed)), \
        "the README's report is out of date: run `python tests/test_readme.py` to refresh it"


def refresh() -> None:
    text = README.read_text(encoding="utf-8")
    match = REPORT_BLOCK.search(text)
    report = grade_text(*match.group(2, 3, 4))
    README.write_text(text[:match.start(5)] + report.rstrip() + "\n" + text[match.end(5):], encoding="utf-8")
    print(f"refreshed the report in {README} ({len(report.splitlines())} lines)")


if __name__ == "__main__":
    refresh()
