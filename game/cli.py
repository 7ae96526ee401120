"""The `dead-reckoning` command. Imports only what the chosen command needs."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys

from game import __version__

COMMANDS = ("play", "check", "test", "graph", "stats", "saves", "endings", "schema", "lsp")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dead-reckoning",
        description="Dead Reckoning: a terminal text adventure, and the YAML story engine under it.",
        epilog="With no command, plays the bundled story. 'dead-reckoning COMMAND --help' for more.",
    )
    parser.add_argument("--version", action="version", version=f"dead-reckoning {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    play = sub.add_parser("play", help="play a story (the default command)")
    _story_arguments(play)
    mode = play.add_mutually_exclusive_group()
    mode.add_argument("--plain", action="store_true",
                      help="plain line mode: no escape codes, one answer per line (automatic when stdin "
                           "is not a terminal)")
    mode.add_argument("--json", action="store_true",
                      help="JSON lines: one object per turn on stdout, one answer per line on stdin")
    play.add_argument("--no-color", action="store_true", help="no colours (NO_COLOR is respected too)")
    play.add_argument("--transcript", metavar="FILE", help="append everything shown and typed to FILE")
    play.add_argument("--seed", type=int, default=0, help="seed for the story's random variations (default 0)")
    play.add_argument("--start", metavar="SCENE", help="begin in this scene (for authors)")
    play.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                      help="with --start or alone: set a flag (=true/false) or a counter (=number); repeatable")
    play.add_argument("--give", action="append", default=[], metavar="ITEM", help="start holding ITEM; repeatable")
    play.add_argument("--watch", action="store_true", help="reload the story whenever one of its files changes")
    resume = play.add_mutually_exclusive_group()
    resume.add_argument("--continue", dest="resume", action="store_true", help="resume the latest saved run")
    resume.add_argument("--load", metavar="NAME", help="start from the save NAME")
    _save_dir_option(play)

    test = sub.add_parser("test", help="explore every path, play random runs, check coverage and transcripts")
    _story_arguments(test)
    test.add_argument("--limit", type=int, default=200_000, metavar="N",
                      help="most states to explore (default 200,000)")
    test.add_argument("--random", type=int, default=100, metavar="N", help="random playthroughs (default 100; 0: none)")
    test.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the random playthroughs (default 0)")
    test.add_argument("--max-steps", type=int, default=1000, metavar="N", help="choices per random run (default 1000)")
    test.add_argument("--no-retry", action="store_true",
                      help="end a random run at its first ending (default: retry failures from the checkpoint)")
    test.add_argument("--update", action="store_true", help="re-record the story's transcript files")
    test.add_argument("--json", action="store_true", help="the report as JSON")

    sub.add_parser("lsp", help="the language server for editors, on stdio (needs: pip install "
                               "'dead-reckoning[lsp]'; see docs/editors.md)")

    endings = sub.add_parser("endings", help="the endings found so far, across all runs")
    _story_arguments(endings)

    graph = sub.add_parser("graph", help="draw the story's map (Mermaid or Graphviz DOT)")
    _story_arguments(graph)
    graph.add_argument("--format", choices=("mermaid", "markdown", "dot"), default="mermaid",
                       help="mermaid (default), markdown (a fenced mermaid block, for `graph > map.md`) or dot")
    graph.add_argument("--chapter", metavar="C",
                       help="only this chapter: its name, part of it, its number, or its place in the story (1 = first)")

    stats = sub.add_parser("stats", help="words, scenes, choices, endings and playthrough lengths")
    _story_arguments(stats)
    stats.add_argument("--runs", type=int, default=200, metavar="N",
                       help="random runs measured for playthrough length (default 200)")
    stats.add_argument("--seed", type=int, default=0, metavar="S")
    stats.add_argument("--walkthrough", metavar="FILE",
                       help="instead, walk these answers (one per line, as a player types them) and measure "
                            "each chapter's screens: words, single-choice screens, repeated text")

    saves = sub.add_parser("saves", help="list saved games of a story")
    _story_arguments(saves)
    _save_dir_option(saves)

    check = sub.add_parser("check", help="check a story for errors and warnings")
    _story_arguments(check)

    schema = sub.add_parser("schema", help="print where the JSON Schemas for editors are")
    schema.add_argument("--copy-to", metavar="DIR", help="copy story.schema.json and scenes.schema.json into DIR")
    return parser


def _story_arguments(parser) -> None:
    parser.add_argument("story", nargs="?", metavar="STORY_DIR", help="story folder (default: the bundled story)")
    parser.add_argument("--example", metavar="NAME",
                        help="one of the example stories that ship with the game (night-vault, the-courier)")
    parser.add_argument("--no-cache", action="store_true", help="parse the YAML even if a compiled copy is cached")


def _save_dir_option(parser) -> None:
    parser.add_argument("--save-dir", metavar="DIR",
                        help="where saves live (default: $DEAD_RECKONING_SAVE_DIR, else the user data folder)")


class _Guarded:
    """Standard output or error as the game writes to it: text the stream's
    encoding cannot hold is replaced (a Latin-1 or ASCII terminal), and a
    failed write (a full disk, a closed pipe) becomes OutputFailed, so the
    game stops with one line instead of a traceback. Everything else (its
    encoding, fileno, buffer) is the stream's own."""

    def __init__(self, stream, what: str):
        self.stream = stream
        self.what = what
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError, OSError):
            pass

    def __getattr__(self, name: str):
        return getattr(self.stream, name)

    def _guard(self, action, *args):
        from game.play.transcript import OutputFailed

        try:
            return action(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputFailed(f"cannot write to {self.what} ({exc.strerror or exc})") from None

    def write(self, text: str) -> int:
        return self._guard(self.stream.write, text)

    def flush(self) -> None:
        if getattr(self.stream, "closed", False):  # closed by its owner (the language server, at exit)
            return
        self._guard(self.stream.flush)


def _quiet_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the interpreter's last flush
    at exit has nowhere to fail (after a broken pipe or a full disk)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass


def _say(message: str) -> None:
    try:
        print(message, file=sys.stderr)
    except (OSError, ValueError, AttributeError):
        pass  # standard error is gone too: the exit status says it


def main(argv: list[str] | None = None) -> int:
    from game.play.transcript import OutputFailed

    if sys.stdout is None:
        _say("dead-reckoning: standard output is closed; nothing can be shown")
        return 1
    real, real_err = sys.stdout, sys.stderr
    sys.stdout = _Guarded(real, "standard output")
    if real_err is not None:
        sys.stderr = _Guarded(real_err, "standard error")
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except OutputFailed as exc:
        _quiet_stdout()
        _say(f"dead-reckoning: {exc}")
        return 1
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    finally:
        sys.stdout, sys.stderr = real, real_err


def _main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-") and not os.path.exists(argv[0]):
        import difflib

        close = difflib.get_close_matches(argv[0], COMMANDS, n=1, cutoff=0.6)
        if close:  # `chek`: a command mistyped, not a story folder that is missing
            print(f"dead-reckoning: '{visible(argv[0])}' is not a command or a story folder "
                  f"(did you mean '{close[0]}'?)", file=sys.stderr)
            return 2
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "play")
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "schema":
            return cmd_schema(args)
        if args.command == "saves":
            return cmd_saves(args)
        if args.command == "endings":
            return cmd_endings(args)
        if args.command == "lsp":
            return cmd_lsp()
        if args.command in ("test", "graph", "stats"):
            return cmd_tool(args)
        return cmd_play(args)
    except KeyboardInterrupt:
        from game.play.plain import fit, terminal_width

        line = "dead-reckoning: interrupted (your progress is saved after every choice)"
        print("\n" + "\n".join(fit([line], terminal_width(sys.stderr))), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except _Refused as exc:
        print(f"dead-reckoning {args.command or 'play'}: {exc}", file=sys.stderr)
        return 2


class _Refused(Exception):
    """A command line that cannot run: the message, and the exit status 2."""


def _story_dir(args) -> str:
    from game.paths import bundled_story, examples, examples_folder

    if getattr(args, "example", None):
        if args.story:
            raise _Refused("give a story folder or --example, not both")
        if args.example not in examples():
            from game.core.errors import did_you_mean

            hint = did_you_mean(args.example, examples())
            raise _Refused(f"there is no example '{visible(args.example)}'" + (f" ({hint})" if hint else "")
                           + f"; the examples are: {', '.join(examples()) or 'none'}")
        return str(examples_folder() / args.example)
    if args.story:
        return args.story
    return str(bundled_story())


def visible(text: str) -> str:
    from game.core.sanitize import visible as _visible

    return _visible(text)


def _print_diagnostics(diags) -> None:
    for d in diags:
        print(d.format(), file=sys.stderr)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


def cmd_check(args) -> int:
    from game.core.errors import ERROR, WARNING
    from game.story import check, loader

    story, diags, whole = loader.load_for_check(_story_dir(args), use_cache=not args.no_cache)
    if story is not None:  # warnings beside errors: of the scenes that built
        diags = sorted(diags + check.warnings(story, partial=not whole), key=lambda d: d.sort_key())
    story = story if whole else None
    _print_diagnostics(diags)
    errors = sum(d.severity == ERROR for d in diags)
    warnings = sum(d.severity == WARNING for d in diags)
    tally = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    if story is None:
        print(f"check: {tally}; the story cannot be played", file=sys.stderr)
        return 1
    stats = check.stats(story)
    counts = ", ".join(_plural(stats[k], k[:-1]) for k in ("scenes", "choices", "endings", "words"))
    print(f"{visible(story.title)}: {counts}; {tally}")
    return 0


def _load_or_report(args):
    from game.story import loader

    story, diagnostics = loader.load_all(_story_dir(args), use_cache=not args.no_cache)
    if story is None:
        _print_diagnostics(diagnostics)
    return story


def cmd_tool(args) -> int:
    from game.author import tools

    for name in ("limit", "random", "max_steps", "runs"):
        if getattr(args, name, 0) is not None and getattr(args, name, 0) < 0:
            print(f"dead-reckoning {args.command}: --{name.replace('_', '-')} cannot be negative", file=sys.stderr)
            return 2
    story = _load_or_report(args)
    if story is None:
        return 1
    if args.command == "test":
        return tools.run_tests(story, limit=args.limit, random_runs=args.random, seed=args.seed,
                               max_steps=args.max_steps, retry=not args.no_retry, update=args.update,
                               as_json=args.json)
    if args.command == "graph":
        return tools.render_graph(story, args.format, args.chapter)
    if args.walkthrough:
        return tools.walkthrough_stats(story, args.walkthrough)
    return tools.stats(story, runs=args.runs, seed=args.seed)


def cmd_saves(args) -> int:
    from game import dirs
    from game.saves.store import SaveError, SaveStore

    story = _load_or_report(args)
    if story is None:
        return 1
    store = SaveStore(dirs.save_dir(args.save_dir), story)
    try:
        store.claim(write=False)
    except SaveError as exc:
        print(f"dead-reckoning saves: {visible(str(exc))}", file=sys.stderr)
        return 1
    print(f"Saved games of {visible(story.title)} in {store.folder} (newest first):")
    print("\n".join(store.describe()))
    return 0


def cmd_lsp() -> int:
    try:
        from game.author import lsp
    except ImportError as exc:
        if "pygls" not in str(exc) and "lsprotocol" not in str(exc):
            raise
        print("dead-reckoning lsp: the language server needs pygls: pip install 'dead-reckoning[lsp]'",
              file=sys.stderr)
        return 2
    return lsp.main()


def cmd_endings(args) -> int:
    from game import dirs
    from game.saves.endings import EndingsBook

    story = _load_or_report(args)
    if story is None:
        return 1
    print("\n".join(EndingsBook(dirs.data_dir(), story).lines()))
    return 0


def cmd_schema(args) -> int:
    import shutil
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "schema"
    names = ("story.schema.json", "scenes.schema.json")
    if args.copy_to:
        target = Path(args.copy_to)
        try:
            target.mkdir(parents=True, exist_ok=True)
            for name in names:
                shutil.copyfile(folder / name, target / name)
        except OSError as exc:
            print(f"schema: cannot write to {target}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        folder = target
    for name in names:
        print(folder / name)
    return 0


def _mode(args) -> str:
    if args.json:
        return "json"
    if args.plain or os.environ.get("TERM") == "dumb":
        return "plain"
    try:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError, OSError):  # stdin or stdout closed
        interactive = False
    return "tui" if interactive else "plain"


def _stdin():
    """Standard input as forgiving text: invalid UTF-8 is replaced, and a
    closed stdin reads as an empty one."""
    if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
        return io.StringIO("")
    return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")


def _exit_on_terminate() -> None:
    """SIGTERM and SIGHUP end the game like quit does: saves are already
    complete (each is written atomically after every choice)."""
    import signal

    def leave(signum, frame):
        raise SystemExit(128 + signum)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), leave)


def cmd_play(args) -> int:
    if abs(args.seed) > 2**53:  # what the game writes it must load: saves hold the seed
        print(f"dead-reckoning play: --seed is a whole number from -{2**53} to {2**53}", file=sys.stderr)
        return 2
    from game.play import setup
    from game.play.io import RunIO
    from game.play.transcript import Transcript
    from game.story import loader

    mode = _mode(args)
    story_dir = _story_dir(args)
    story, diagnostics = loader.load_all(story_dir, use_cache=not args.no_cache)
    if story is None:
        if mode == "json":
            from game.play.jsonmode import diagnostics_object, dumps

            print(dumps(diagnostics_object(list(diagnostics))))
        _print_diagnostics(diagnostics)
        return 1
    launch = setup.Launch(story_dir, use_cache=not args.no_cache, seed=args.seed, start=args.start, set=args.set,
                          give=args.give, load=args.load, resume=args.resume, save_dir=args.save_dir)
    try:
        session = setup.prepare(story, launch)
    except setup.SetupError as exc:
        print(visible(str(exc)), file=sys.stderr)
        return exc.status
    transcript = None
    if args.transcript:
        try:
            transcript = Transcript.open(args.transcript)
        except OSError as exc:
            print(f"dead-reckoning: cannot write transcript {args.transcript}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 1
    io = RunIO(transcript=transcript, watcher=loader.Watcher(story_dir) if args.watch else None)
    try:
        if mode == "tui":
            from game import dirs
            from game.play.tui import colour_wanted

            io.color = colour_wanted(args.no_color)
            io.history_path = dirs.data_dir() / "history" / f"{story.id}.history"
        else:
            _exit_on_terminate()
            io.inp, io.out = _stdin(), sys.stdout
        return setup.front_end(mode)(session, io)
    finally:
        if transcript:
            transcript.close()
