"""The mock interview and the review schedule: `kata interview ...`, `kata review`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.console import EXIT_FAILED, EXIT_OK, color, fail_usage, warn
from grader.cli.options import catalog_options, find_workspace_or_none, isolation_label, load_catalog, resolve

WORKSPACE_HELP = "Workspace folder (default: $KATA_WORKSPACE, else the nearest one above)."
EXIT_INTERRUPTED = 130


def _workspace_option(command):
    return click.option("-w", "--workspace", "workspace", help=WORKSPACE_HELP)(command)


def refuse_during_interview(explicit: str | None, what: str) -> None:
    """Stop a command that would help during a mock interview (exit status 2)."""
    from grader.interview.clock import current, minutes_seconds
    from grader.workspace.files import WorkspaceError, find_workspace
    from grader.workspace.state import read_state

    try:
        ws = find_workspace(explicit)
    except WorkspaceError:
        return
    session = read_state(ws).get("interview")
    if session is None:
        return
    try:
        left = float(session["started_at"]) + 60 * float(session["minutes"]) - current().now()
        when = f"{minutes_seconds(left)} left" if left > 0 else "its time is up"
    except (KeyError, TypeError, ValueError):
        when = "its record is damaged"
    fail_usage(f"{what} is locked while a mock interview is in progress ({when}): finish it with "
               "`kata interview submit`, or set it aside with `kata interview abandon`")


class Context:
    """What every interview command resolves the same way."""

    def __init__(self, workspace, katas_dirs):
        from grader.interview.clock import current
        from grader.interview.content import ContentError, load
        from grader.interview.run import Interview
        from grader.interview.terminal import Terminal

        self.ws = find_workspace_or_none(workspace, required=True)
        self.catalog = load_catalog(katas_dirs, self.ws)
        try:
            self.content = load(self.catalog)
        except ContentError as exc:
            fail_usage(f"the interview content is broken: {exc} (`kata validate` checks it)")
        self.clock = current()
        self.term = Terminal(self.clock)
        self.interview = Interview(self.ws, self.catalog, self.content, self.clock, self.term, warn=warn,
                                   color=color())

    def session(self):
        from grader.interview.record import InterviewError

        try:
            return self.interview.session()
        except InterviewError as exc:
            fail_usage(str(exc))


def _finish(outcome) -> None:
    if outcome.scorecard is None:
        sys.exit(EXIT_OK)
    sys.exit(EXIT_OK if all(p.passed for p in outcome.scorecard.parts) else EXIT_FAILED)


def _guard(action):
    """Run `action()`, turning the interview's own errors into usage errors and Ctrl-C into a pause."""
    from grader.interview.record import InterviewError

    try:
        return action()
    except InterviewError as exc:
        fail_usage(str(exc))
    except KeyboardInterrupt:
        warn("\npaused: the clock keeps running; `kata interview` picks up here")
        sys.exit(EXIT_INTERRUPTED)


def _parts(catalog, text: str | None, default: list[str]):
    names = [p.strip() for p in text.replace(",", " ").split()] if text else default
    if not names:
        fail_usage("no parts: pass --parts part1,part2,...")
    return resolve(catalog, names)


@click.group(invoke_without_command=True)
@click.option("--parts", metavar="P,P,...", help="The parts, ids or aliases (default: part1 to part5).")
@click.option("--minutes", type=click.FloatRange(0.05, 600), help="The time limit (default 45).")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1),
              help="Seed for the question order and the hidden cases (default: random).")
@click.option("--followups", type=click.IntRange(0, 40), default=6, show_default=True,
              help="How many scored follow-up questions to ask when you submit.")
@_workspace_option
@catalog_options
@click.pass_context
def interview(ctx, parts, minutes, seed, followups, workspace, katas_dirs):
    """A timed mock onsite, scored the way the interviewer's rubric scores it.

    \b
    Without a subcommand: start an interview, or resume the one in progress.
      1. the prompt, then the clock starts (it keeps running if you close the terminal);
      2. pick the clarifying questions you would ask; the interviewer answers them;
      3. for each part, say the shapes of its tensors, then code it in any editor:
         the stubs are fresh copies in interviews/<id>/ under the workspace, and
         your practice files are never touched;
      4. submit (or the time runs out): follow-up questions, then every part is
         graded with all its hidden checks, and you get the scorecard.
    Hints, solutions, explanations and `kata grade` are locked until then.
    Answers can also come one per line on standard input.

    \b
    Exit status: 0 all parts passed (or you left; the interview stays open),
    1 some part failed, 2 usage error, 130 interrupted.
    """
    ctx.ensure_object(dict)
    ctx.obj.update(workspace=workspace, katas_dirs=katas_dirs)
    if ctx.invoked_subcommand is not None:
        return
    from grader.grading.session import fresh_seed

    c = Context(workspace, katas_dirs)
    isolation_label()
    session = c.session()
    if session is not None:
        if parts or minutes or seed is not None:
            fail_usage(f"interview {session['id']} is in progress: `kata interview` resumes it, "
                       "`kata interview abandon` sets it aside so you can start another")
        _finish(_guard(c.interview.run))
    katas = _parts(c.catalog, parts, c.content.default_parts)

    def start():
        c.interview.begin(katas, minutes or c.content.minutes, fresh_seed() if seed is None else seed, followups)
        return c.interview.run()
    _finish(_guard(start))


def _sub(ctx, workspace, katas_dirs) -> Context:
    return Context(workspace or ctx.obj.get("workspace"), tuple(ctx.obj.get("katas_dirs") or ()) + tuple(katas_dirs))


def _time_up(c: Context, session) -> bool:
    """Past the deadline, any interview command submits first."""
    if c.interview.left(session) > 0:
        return False
    c.term.say("The interview's time is up: grading it now.")
    _finish(_guard(lambda: c.interview.submit(time_up=True, ask=c.term.interactive)))
    return True


@interview.command()
@_workspace_option
@catalog_options
@click.pass_context
def status(ctx, workspace, katas_dirs):
    """The time left and the parts tried so far."""
    c = _sub(ctx, workspace, katas_dirs)
    session = c.session()
    if session is None:
        from grader.interview.record import history

        done = [h for h in history(c.ws, warn=warn) if h.get("status") == "submitted"]
        click.echo("no interview in progress: `kata interview` starts one"
                   + (f" (last one: {done[-1].get('id')}, `kata interview history`)" if done else ""))
        return
    if not _time_up(c, session):
        click.echo(_guard(c.interview.status_text))


@interview.command()
@click.argument("part", required=False)
@_workspace_option
@catalog_options
@click.pass_context
def check(ctx, part, workspace, katas_dirs):
    """The quick check of PART (default: the current part): its shapes, and whether
    it runs. No values, no diagnosis, no hints: those come with the scorecard."""
    c = _sub(ctx, workspace, katas_dirs)
    session = c.session()
    if session is None:
        fail_usage("no interview in progress: `kata interview` starts one")
    if _time_up(c, session):
        return
    target = resolve(c.catalog, [part])[0].id if part else session.get("current") or session["parts"][0]
    if target not in session["parts"]:
        fail_usage(f"{target} is not part of this interview ({', '.join(session['parts'])})")
    isolation_label()
    click.echo(_guard(lambda: c.interview.quick_check(target)))


@interview.command()
@click.option("--answer", "answers", multiple=True, metavar="N=VALUE",
              help="Answer follow-up N (its number or id): a letter, or a number. Repeatable.")
@click.option("--no-questions", is_flag=True, help="Do not ask the follow-ups (unanswered ones score 0).")
@_workspace_option
@catalog_options
@click.pass_context
def submit(ctx, answers, no_questions, workspace, katas_dirs):
    """Finish the interview: the follow-up questions, a full grade of every part, the scorecard.

    The scorecard goes to standard output and, with the full grade, into the
    interview's folder (scorecard.txt, scorecard.html, report.html).
    """
    c = _sub(ctx, workspace, katas_dirs)
    session = c.session()
    if session is None:
        fail_usage("no interview in progress: `kata interview` starts one")
    given = {}
    for item in answers:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail_usage(f"--answer {item!r}: write it as N=VALUE, e.g. --answer 1=b")
        given[key.strip()] = value.strip()
    isolation_label()
    time_up = c.interview.left(session) <= 0
    _finish(_guard(lambda: c.interview.submit(time_up=time_up, answers=given, ask=not no_questions)))


@interview.command()
@click.option("-y", "--yes", is_flag=True, help="Do not ask first.")
@_workspace_option
@catalog_options
@click.pass_context
def abandon(ctx, yes, workspace, katas_dirs):
    """Set the interview in progress aside, ungraded. Its folder is kept; the history
    lists it as abandoned."""
    from grader.interview import record
    from grader.workspace.state import read_state

    c = _sub(ctx, workspace, katas_dirs)
    raw = read_state(c.ws, warn=warn).get("interview")
    if raw is None:
        fail_usage("no interview in progress")
    if not yes:
        if not sys.stdin.isatty():
            fail_usage("abandon asks first; pass --yes to skip the question")
        if not click.confirm("Abandon the interview in progress (it will not be graded)?", default=False,
                             err=True):
            warn("kept")
            sys.exit(EXIT_FAILED)
    session = record.abandon(c.ws, c.clock.now(), warn=warn)
    folder = session.get("folder") if isinstance(session, dict) else None
    click.echo(f"abandoned interview {session.get('id') if isinstance(session, dict) else ''}"
               + (f"; its files stay in {c.ws / folder}" if isinstance(folder, str) else ""))


FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "html"]), default="text", show_default=True,
                      help="text, or one self-contained HTML page.")
OUTPUT = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                      help="Write to this file instead of standard output.")


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail_usage(f"cannot write {output}: {exc}")
    warn(f"written to {output}")


@interview.command()
@FORMAT
@OUTPUT
@_workspace_option
@catalog_options
@click.pass_context
def history(ctx, fmt, output, workspace, katas_dirs):
    """Every interview so far: date, parts passed, time used, the rubric's verdicts,
    follow-ups right; as HTML, with a chart of your progress."""
    from grader.interview import record, scorecard
    from grader.reporting.scorecard import render_history

    ws = find_workspace_or_none(workspace or ctx.obj.get("workspace"), required=True)
    previous = record.history(ws, warn=warn)
    text = render_history(scorecard.history_points(previous), scorecard.history_lines(previous), fmt,
                          color=output is None and fmt == "text" and color())
    _emit(text, output)


@interview.command(name="scorecard")
@click.argument("which", required=False)
@FORMAT
@OUTPUT
@_workspace_option
@click.pass_context
def show_scorecard(ctx, which, fmt, output, workspace):
    """Show a past interview's scorecard again: WHICH is its number in `kata interview
    history` or its id (default: the last one)."""
    from grader.interview import record

    ws = find_workspace_or_none(workspace or ctx.obj.get("workspace"), required=True)
    done = [h for h in record.history(ws, warn=warn) if h.get("status") == "submitted"]
    if not done:
        fail_usage("no interview has been submitted yet: `kata interview` starts one")
    if which is None:
        chosen = done[-1]
    else:
        chosen = next((h for n, h in enumerate(done, 1) if which in (str(n), h.get("id"))), None)
        if chosen is None:
            fail_usage(f"no submitted interview {which!r}: `kata interview history` lists them")
    name = "scorecard.html" if fmt == "html" else "scorecard.txt"
    path = ws / str(chosen.get("folder", "")) / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail_usage(f"cannot read {path}: {exc}")
    _emit(text, output)


@click.command()
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Plan for this day instead of today.")
@click.option("--all", "all_", is_flag=True, help="List every kata's box and due date, not just today's.")
@_workspace_option
@catalog_options
def review(on, all_, workspace, katas_dirs):
    """What to practise today, from your own record (spaced repetition, Leitner boxes).

    \b
    A kata failed in a mock interview, or passed only after hints or the
    reference, comes back the next day; one passed cold moves up a box and
    comes back later (boxes 1 to 5: 1, 3, 7, 14 and 30 days).
    """
    from datetime import date

    from grader.interview.review import INTERVALS, clock_today, plan
    from grader.workspace.state import read_state

    ws = find_workspace_or_none(workspace, required=True)
    catalog = load_catalog(katas_dirs, ws)
    try:
        today = date.fromisoformat(on) if on else clock_today()
    except ValueError:
        fail_usage(f"--date {on!r}: write it as YYYY-MM-DD")
    p = plan(catalog, read_state(ws, warn=warn), today)
    if p.due:
        click.echo(f"Due today ({today.isoformat()}):")
        for item in p.due:
            late = f", {-item.days} d overdue" if item.days < 0 else ""
            click.echo(f"  {item.kata.id:7} {item.kata.alias:18} {item.reason}{late}")
        ids = ",".join(k.id for k in catalog if k in [i.kata for i in p.due])
        click.echo(f"\nRehearse them cold: kata interview --parts {ids} --minutes {max(10, 9 * len(p.due))}")
        click.echo(f"  (or in practice: kata reset {p.due[0].kata.id}, then kata grade {p.due[0].kata.id} "
                   "without hints)")
    else:
        click.echo(f"Nothing due today ({today.isoformat()}).")
    if p.learning:
        click.echo("\nStarted, not passed yet: " + ", ".join(i.kata.id for i in p.learning))
    if p.new:
        click.echo("Not started: " + ", ".join(i.kata.id for i in p.new))
    if p.upcoming:
        shown = p.upcoming if all_ else p.upcoming[:3]
        click.echo("\nComing up: " + ", ".join(f"{i.kata.id} in {i.days} d" for i in shown)
                   + ("" if all_ or len(p.upcoming) <= 3 else f" (and {len(p.upcoming) - 3} more: --all)"))
    if all_:
        click.echo("\nkata     box  every   due")
        for i in sorted(p.due + p.upcoming, key=lambda i: i.kata.order):
            click.echo(f"  {i.kata.id:7} {i.schedule.box:>3}  {INTERVALS[i.schedule.box]:>3} d   "
                       f"{i.schedule.due.isoformat()}  {i.reason}")
