"""A real Scrapyd on 127.0.0.1: the project deployed with scrapyd-deploy, two jobs of one site run scheduled with
the README's curl command, crawling a loopback site into PostgreSQL through one Redis frontier."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.fleet_harness import (
    TEST_LEASE_SECONDS,
    pg_archive,  # noqa: F401  (fixture)
    recorded_site,
    redis_prefix,  # noqa: F401  (fixture)
    redis_url,  # noqa: F401  (fixture)
)
from tests.test_crawl import ROOT, snapshot

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

#: what the deployed egg is built from (pyproject.toml names the README as the long description)
PROJECT_FILES = ("crawler", "pipelines", "storage", "pyproject.toml", "README.md")
#: loopback sites need no politeness (tests/test_crawl.py's LOOPBACK, as Scrapyd settings)
LOOPBACK = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}


class JobFailed(AssertionError):
    """A Scrapyd job did not finish its crawl."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is not installed (pip install -e '.[test]')"
    return found


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def _start_scrapyd(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    workdir.mkdir()
    (workdir / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = eggs\nlogs_dir = logs\n"
        "dbs_dir = dbs\nitems_dir =\njobs_dir =\nmax_proc = 4\npoll_interval = 0.5\n"
    )
    # Jobs must run the deployed egg, not this checkout: no PYTHONPATH, and a working directory outside it.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    with (workdir / "scrapyd.err").open("wb") as err:
        proc = subprocess.Popen([_tool("scrapyd")], cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(f"http://127.0.0.1:{port}/daemonstatus.json").get("status") == "ok":
                return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError((workdir / "scrapyd.err").read_text()[-3000:])
        time.sleep(0.2)


def _deploy(project: Path, port: int) -> None:
    """scrapyd-deploy from a copy of the project whose scrapy.cfg targets this Scrapyd."""
    project.mkdir()
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(src, project / name)
    (project / "scrapy.cfg").write_text(
        f"[settings]\ndefault = crawler.settings\n\n[deploy]\nurl = http://127.0.0.1:{port}/\nproject = newsarchive\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([_tool("scrapyd-deploy")], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"status": "ok"' in proc.stdout, proc.stdout + proc.stderr
    assert '"spiders": 1' in proc.stdout, "the egg's settings entry point names the project's spider module"


def _schedule(port: int, site: str, run: str, settings: dict[str, str]) -> str:
    """The README's command: curl … -d spider=news … --data-urlencode setting=NAME=VALUE (a `+` survives)."""
    cmd = [
        _tool("curl"),
        "-sS",
        f"http://127.0.0.1:{port}/schedule.json",
        "-d",
        "project=newsarchive",
        "-d",
        "spider=news",
        "-d",
        f"start_url={site}/",
        "-d",
        f"run={run}",
    ]
    for key, value in settings.items():
        cmd += ["--data-urlencode", f"setting={key}={value}"]
    answer = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=30).stdout)
    assert answer.get("status") == "ok", answer
    return str(answer["jobid"])


def _wait_for_jobs(port: int, jobs: list[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = _get(f"http://127.0.0.1:{port}/listjobs.json?project=newsarchive")
        if set(jobs) <= {job["id"] for job in listed.get("finished", [])}:
            return
        time.sleep(0.5)
    raise AssertionError(f"Scrapyd jobs not finished after {timeout}s: {listed}")


def test_two_scrapyd_jobs_of_one_run_store_every_article_once(tmp_path, redis_url, redis_prefix, pg_archive):  # noqa: F811
    port = _free_port()
    scrapyd = _start_scrapyd(tmp_path / "scrapyd", port)
    try:
        _deploy(tmp_path / "project", port)
        with recorded_site() as (server, recorder):
            base = server.base_url  # type: ignore[attr-defined]
            settings = {
                "ARCHIVE_DB_URL": pg_archive,  # postgresql+psycopg://…: the + must reach Scrapyd as a +
                "NEWSARCHIVE_REDIS_URL": redis_url,
                "NEWSARCHIVE_REDIS_PREFIX": redis_prefix,
                "NEWSARCHIVE_LEASE_SECONDS": str(TEST_LEASE_SECONDS),
                **LOOPBACK,
            }
            run = f"scrapyd-{uuid.uuid4().hex[:6]}"
            jobs = [_schedule(port, base, run, settings) for _ in range(2)]
            _wait_for_jobs(port, jobs)
            articles = server.site.articles  # type: ignore[attr-defined]
            fetched = recorder.take()
        logs = [(tmp_path / "scrapyd" / "logs" / "newsarchive" / "news" / f"{job}.log").read_text() for job in jobs]
        for log in logs:
            if "'finish_reason': 'finished'" not in log or "Traceback" in log:
                raise JobFailed(log[-3000:])
        assert all(f"run {run}" in log for log in logs), "both jobs worked on the one run"
        assert {f.agent for f in fetched}, "the jobs crawled the loopback site"
        assert set(snapshot(pg_archive)) == articles, "every expected article is stored, once"
    finally:
        scrapyd.terminate()
        scrapyd.wait(30)
