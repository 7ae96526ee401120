"""The `dead-reckoning` command. Imports only what the chosen command needs."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys

from game import __version__

COMMANDS = ("play", "check", "saves", "schema")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dead-reckoning",
        description="Dead Reckoning: a terminal text adventure, and the YAML story engine under it.",
        epilog="With no command, plays the bundled story. 'dead-reckoning COMMAND --help' for more.",
    )
    parser.add_argument("--version", action="version", version=f"dead-reckoning {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    play = sub.add_parser("play", help="play a story (the default command)")
    play.add_argument("story", nargs="?", metavar="STORY_DIR", help="story folder (default: the bundled story)")
    mode = play.add_mutually_exclusive_group()
    mode.add_argument("--plain", action="store_true",
                      help="plain line mode: no escape codes, one answer per line (automatic when stdin "
                           "is not a terminal)")
    mode.add_argument("--json", action="store_true",
                      help="JSON lines: one object per turn on stdout, one answer per line on stdin")
    play.add_argument("--no-color", action="store_true", help="no colours (NO_COLOR is respected too)")
    play.add_argument("--transcript", metavar="FILE", help="append everything shown and typed to FILE")
    play.add_argument("--seed", type=int, default=0, help="seed for the story's random variations (default 0)")
    resume = play.add_mutually_exclusive_group()
    resume.add_argument("--continue", dest="resume", action="store_true", help="resume the latest saved run")
    resume.add_argument("--load", metavar="NAME", help="start from the save NAME")
    _save_dir_option(play)

    saves = sub.add_parser("saves", help="list saved games of a story")
    saves.add_argument("story", nargs="?", metavar="STORY_DIR", help="story folder (default: the bundled story)")
    _save_dir_option(saves)

    check = sub.add_parser("check", help="check a story for errors and warnings")
    check.add_argument("story", nargs="?", metavar="STORY_DIR", help="story folder (default: the bundled story)")

    schema = sub.add_parser("schema", help="print where the JSON Schemas for editors are")
    schema.add_argument("--copy-to", metavar="DIR", help="copy story.schema.json and scenes.schema.json into DIR")
    return parser


def _save_dir_option(parser) -> None:
    parser.add_argument("--save-dir", metavar="DIR",
                        help="where saves live (default: $DEAD_RECKONING_SAVE_DIR, else the user data folder)")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
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
        return cmd_play(args)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _story_dir(args) -> str:
    if args.story:
        return args.story
    from game.paths import bundled_story

    return str(bundled_story())


def _print_diagnostics(diags) -> None:
    for d in diags:
        print(d.format(), file=sys.stderr)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


def cmd_check(args) -> int:
    from game import check, loader
    from game.errors import ERROR, WARNING

    story, diags = loader.load_all(_story_dir(args))
    if story is not None:
        diags = diags + sorted(check.warnings(story), key=lambda d: d.sort_key())
    _print_diagnostics(diags)
    errors = sum(d.severity == ERROR for d in diags)
    warnings = sum(d.severity == WARNING for d in diags)
    tally = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    if story is None:
        print(f"check: {tally}; the story cannot be played", file=sys.stderr)
        return 1
    stats = check.stats(story)
    counts = ", ".join(_plural(stats[k], k[:-1]) for k in ("scenes", "choices", "endings", "words"))
    print(f"{story.title}: {counts}; {tally}")
    return 0


def cmd_saves(args) -> int:
    from game import dirs, loader, saves
    from game.errors import StoryError

    try:
        story = loader.load_story(_story_dir(args))
    except StoryError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    store = saves.SaveStore(dirs.save_dir(args.save_dir), story)
    print(f"Saved games of {story.title} in {store.folder} (newest first):")
    print("\n".join(saves.describe(store.slots())))
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
    except (AttributeError, ValueError):
        interactive = False
    return "tui" if interactive else "plain"


def cmd_play(args) -> int:
    from game import loader
    from game.errors import StoryError

    mode = _mode(args)
    try:
        story = loader.load_story(_story_dir(args))
    except StoryError as exc:
        if mode == "json":
            from game.jsonmode import diagnostics_object

            print(json.dumps(diagnostics_object(list(exc.diagnostics))))
        _print_diagnostics(exc.diagnostics)
        return 1
    from game.session import Session
    from game.transcript import Transcript

    transcript = None
    if args.transcript:
        try:
            transcript = Transcript.open(args.transcript)
        except OSError as exc:
            print(f"dead-reckoning: cannot write transcript {args.transcript}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 1
    from game import dirs, saves
    from game.savefile import SaveError

    store = saves.SaveStore(dirs.save_dir(args.save_dir), story, fresh_run=not (args.resume or args.load))
    session = Session(story, seed=args.seed, store=store)
    try:
        if args.load or args.resume:
            name = args.load or (store.latest().name if store.latest() else None)
            if name is None:
                session.notices.append("There is no saved game to continue yet: a new run begins.")
            else:
                session.state, notes = store.load(name)
                session.notices += [f"Resuming '{name}' (turn {session.state.turn}).", *notes]
        else:
            last = store.latest()
            if last is not None and last.name == saves.AUTOSAVE:
                session.notices.append(f"Your last run is saved (turn {last.turn}, {last.title}). Type "
                                       "'load autosave' to go back to it; a new run keeps it as 'previous-run'.")
    except SaveError as exc:
        print(f"dead-reckoning: {exc}", file=sys.stderr)
        return 1
    try:
        if mode == "tui":
            from game import dirs, tui

            history = dirs.data_dir() / "history" / f"{story.id}.history"
            return tui.run(session, color=tui.colour_wanted(args.no_color), history_path=history,
                           transcript=transcript)
        inp = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
        if mode == "json":
            from game import jsonmode

            return jsonmode.run(session, inp, sys.stdout, transcript)
        from game import plain

        return plain.run(session, inp, sys.stdout, transcript)
    finally:
        if transcript:
            transcript.close()
