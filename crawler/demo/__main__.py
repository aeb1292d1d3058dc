"""python -m crawler.demo: serve a generated site (see crawler/demo/server.py)."""

from crawler.demo.server import main

main()
