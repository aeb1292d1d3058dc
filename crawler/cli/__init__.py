"""`newsarchive`: run the demo, search, show and export the archive, extract saved pages."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError

from crawler.cli import articles, db, demo, extract, fixture, reextract, runs, serve, stats, stories, warc
from crawler.cli.common import DB_HELP, db_option, fail
from storage.db import ArchiveError, ArchiveMissing, db_url, masked
from storage.search import QuerySyntaxError

#: the command groups, in the order `newsarchive --help` lists them
GROUPS = (demo, articles, extract, stats, runs, stories, db, warc, reextract, fixture, serve)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("newsarchive")
    except PackageNotFoundError:  # run from a checkout
        return "0.1.0 (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__)
    parser.add_argument("--version", action="version", version=f"newsarchive {version()}")
    parser.add_argument("--db", help=DB_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    common = db_option()
    for group in GROUPS:
        group.register(sub, common)
    return parser


def first_line(exc: BaseException) -> str:
    """An exception's message as one line (psycopg's span two)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8 reach Python as lone surrogates
            return fail(f"an argument is not valid UTF-8 text: {arg.encode('utf-8', 'backslashreplace').decode()}", 2)
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except QuerySyntaxError as exc:
        return fail(f"cannot read the search text: {exc}", 2)
    except ArchiveMissing as exc:
        return fail(f"cannot use the archive: {exc}")
    except ArchiveError as exc:
        return fail(str(exc))
    except DatabaseError as exc:  # unreachable, locked, not a database ("file is not a database")
        return fail(f"cannot use the archive at {masked(args.db)}: {first_line(exc.orig or exc)}")
    except ArgumentError as exc:
        if is_url(db_url(args.db)):  # a URL, of something SQLAlchemy cannot open
            return fail(f"not an archive URL this newsarchive can open: {masked(args.db)} ({first_line(exc)})")
        return fail(f"--db {db_url(args.db)!r} is not an archive URL: write sqlite:///path/to/archive.db "
                    "or postgresql+psycopg://user@host/archive")
    except NoSuchModuleError as exc:
        return fail(f"not an archive URL this newsarchive can open: {masked(args.db)} ({first_line(exc)})")
    except ModuleNotFoundError as exc:
        if exc.name and "psycopg" in exc.name:
            return fail("a PostgreSQL archive needs psycopg: pip install 'newsarchive[postgres]'")
        raise
    except OverflowError:
        return fail("a number is too large (ids, --limit, --offset and --page are at most 2**63-1)", 2)
    except BrokenPipeError:  # `newsarchive export | head`
        return 0
    except IsADirectoryError as exc:
        return fail(f"{exc.filename} is a directory, not a file")
    except OSError as exc:  # a missing file or directory, a read-only one
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or first_line(exc)}")
    return code


def is_url(value: str) -> bool:
    try:
        make_url(value)
    except ArgumentError:
        return False
    return True


__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
