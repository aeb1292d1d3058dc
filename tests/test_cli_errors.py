"""What a user typing commands sees when something is wrong: one line, a non-zero exit, no traceback; archived text
printed as text; read-only commands never create an archive (issue 15, items 8, 9, 10, 13, 14, 16)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from crawler.cli import main
from pipelines.normalize import normalize_item
from storage.db import archive_for_writing
from storage.repository import save_item
from tests.test_storage import make_item

HOSTILE_TITLE = "要闻 [/b] [update] \x1b[31m红色\x07"


@pytest.fixture
def archive(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    body = '=HYPERLINK("http://x") ' + "平安社区建设今天全面启动，居民踊跃参与。" * 2
    item = make_item(1, title=HOSTILE_TITLE, body=body)
    save_item(archive_for_writing(url), normalize_item(item))
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["search", "平安社区", "--limit", "99999999999999999999"], 2, "a number is too large"),
        (["search", "平安社区", "--offset", "99999999999999999999"], 2, "a number is too large"),
        (["show", "99999999999999999999999"], 2, "a number is too large"),
        (["search", " ".join(f"词{i}" for i in range(1100))], 2, "1100 search terms; at most 32"),
        (["search", "平安", "\udcff\udcfe"], 2, "not valid UTF-8"),
        (["stats", "--site", "nosuch"], 1, "no site 'nosuch'"),
        (["export", "-o", "/nonexistent/dir/x.csv", "--format", "csv"], 1, "/nonexistent/dir/x.csv: No such file"),
        (["stats", "--html", "/nonexistent/dir/x.html"], 1, "No such file"),
        (["warc", "export", "-o", "/nonexistent/dir/x.warc.gz"], 1, "No such file"),
    ],
)
def test_a_bad_argument_is_one_line_and_a_non_zero_exit(archive, capsys, argv, code, says) -> None:
    got, _out, err = run(capsys, "--db", archive, *argv)
    assert got == code
    assert says in err
    assert len(err.strip().splitlines()) == 1, err


def test_a_date_before_year_one_in_utc_is_refused_by_argparse(archive, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--db", archive, "search", "平安", "--since", "0001-01-01"])
    assert exc.value.code == 2
    assert "date out of range" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("db", "says"),
    [
        ("bogus://x", "not an archive URL this newsarchive can open: bogus://x"),
        ("postgresql+psycopg://reader:s3cret@127.0.0.1:1/archive", "postgresql+psycopg://reader:***@127.0.0.1:1"),
    ],
)
def test_a_bad_archive_url_is_one_line_with_its_password_masked(capsys, db, says) -> None:
    code, _out, err = run(capsys, "search", "平安社区", "--db", db)  # --db after the subcommand too
    assert code == 1
    assert says in err
    assert "s3cret" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_a_file_that_is_not_a_database_is_one_line(tmp_path, capsys) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just notes\n" * 100)
    code, _out, err = run(capsys, "--db", f"sqlite:///{path}", "search", "平安社区")
    assert code == 1
    assert "file is not a database" in err


def test_read_only_commands_in_a_directory_without_an_archive_create_none(tmp_path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'newsarchive.db'}"
    for argv in (["search", "平安社区"], ["show", "1"], ["stats"], ["export"], ["runs"]):
        code, _out, err = run(capsys, "--db", db, *argv)
        assert code == 1, argv
        assert "no archive at" in err, argv
    assert not (tmp_path / "newsarchive.db").exists()


def test_archived_text_is_printed_as_text_with_control_characters_escaped(archive, capsys) -> None:
    code, out, _err = run(capsys, "--db", archive, "show", "1")
    assert code == 0
    assert "[/b] [update]" in out
    assert "\x1b" not in out.replace("\x1b[1m", "").replace("\x1b[0m", "").replace("\x1b[2m", "")
    assert "\\x1b[31m红色\\x07" in out
    code, out, _err = run(capsys, "--db", archive, "search", "平安社区")
    assert code == 0
    assert "[update]" in out


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(archive, capsys) -> None:
    code, out, _err = run(capsys, "--db", archive, "export", "--format", "csv")
    assert code == 0
    row = next(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert row["body"].startswith("'=HYPERLINK(")


def test_no_matches_says_so_and_version_and_extract_on_a_binary(archive, capsys, tmp_path) -> None:
    code, out, err = run(capsys, "--db", archive, "search", "从来没有的词语")
    assert (code, out, err.strip()) == (0, "", "no matches")
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("newsarchive ")
    binary = tmp_path / "ls.bin"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    code, _out, err = run(capsys, "extract", str(binary))
    assert code == 1
    assert "is not an HTML page" in err
    code, _out, err = run(capsys, "extract", str(tmp_path / "missing.html"))
    assert (code, "No such file or directory" in err) == (1, True)
    code, _out, err = run(capsys, "extract", str(tmp_path))
    assert (code, "is a directory" in err) == (1, True)


def test_a_warc_site_header_cannot_choose_a_profile_file(tmp_path) -> None:
    from crawler.offline.reextract import profile_for

    evil = tmp_path / "evil.toml"
    evil.write_text('id = "evil"\nstart_urls = ["http://x/"]\n')
    assert profile_for(str(evil)) is None
    assert profile_for("../../" + evil.name) is None
    assert profile_for("demo") is not None


def test_runs_say_their_zone_as_stats_does(archive, capsys) -> None:
    code, out, _err = run(capsys, "--db", archive, "runs")
    assert code == 0
    assert "UTC" in out


def test_progress_passes_every_item_through_on_a_terminal_and_prints_nothing_when_piped(capsys, monkeypatch) -> None:
    import sys

    from crawler.cli.common import progress

    assert list(progress("piped")(range(5))) == [0, 1, 2, 3, 4]
    assert capsys.readouterr().err == ""  # quiet when output is piped
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert list(progress("terminal")(iter(range(5)))) == [0, 1, 2, 3, 4]
    assert list(progress("terminal", total=3)([7, 8, 9])) == [7, 8, 9]
