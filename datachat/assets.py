"""Front-end assets that are generated rather than committed (no CDN, ever).

plotly.min.js is ~4.8 MB, and the plotly Python package pinned in requirements.txt already ships the
matching build, so it is written from there instead of being kept in git. The small vendored files
(htmx, the Spanish Plotly locale, highlight.js) are committed under static/vendor/; see its README.

Django-free on purpose: `make install` runs `python -m datachat.assets` before settings exist.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

DEFAULT_STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PLOTLY_JS = Path("vendor/plotly/plotly.min.js")
# Committed alongside; listed so a broken checkout is reported instead of failing in the browser.
COMMITTED = (
    Path("vendor/plotly/plotly-locale-es.js"),
    Path("vendor/htmx/htmx.min.js"),
)


def _write_if_changed(path: Path, content: bytes) -> bool:
    """Write atomically unless the file already holds exactly `content`. True if written."""
    if path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write-then-rename so a running server never serves half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def ensure_vendor_assets(static_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Make sure static/vendor holds plotly.min.js from the installed plotly package.

    Idempotent: a file that already matches the installed package is left alone; one from another
    plotly version is replaced. Returns the paths written (empty when nothing changed). A missing
    committed vendor file is reported on stderr (it cannot be regenerated here).
    """
    from plotly.offline import get_plotlyjs  # imported here: only this function needs plotly

    root = Path(static_dir) if static_dir is not None else DEFAULT_STATIC_DIR
    missing = [str(root / p) for p in COMMITTED if not (root / p).is_file()]
    if missing:
        print(f"warning: committed vendor assets missing: {', '.join(missing)}", file=sys.stderr)
    written = []
    target = root / PLOTLY_JS
    if _write_if_changed(target, get_plotlyjs().encode("utf-8")):
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """`python -m datachat.assets [STATIC_DIR]`."""
    args = sys.argv[1:] if argv is None else argv
    written = ensure_vendor_assets(args[0] if args else None)
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("vendor assets up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
