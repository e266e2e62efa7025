"""A static site on loopback with clean URLs (/signup serves signup.html): the demo site and test pages."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any


def demo_site_root() -> Path:
    return Path(str(resources.files("crawler") / "demo_site"))


class _Handler(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        resolved = super().translate_path(path)
        candidate = Path(resolved)
        if not candidate.exists() and Path(resolved + ".html").is_file():
            return resolved + ".html"
        return resolved

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a crawl makes hundreds of requests."""


class SiteServer:
    """Serve `root` on 127.0.0.1 in a background thread; port 0 picks a free port."""

    def __init__(self, root: Path, port: int = 0, host: str = "127.0.0.1") -> None:
        self.root = root
        self.httpd = ThreadingHTTPServer((host, port), partial(_Handler, directory=str(root)))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
