"""The suite never writes into the checkout's `var/`: the settings' data directory is the
session's temporary one (tests/support/isolation.py runs before the settings are read)."""

import os
from pathlib import Path


def test_the_data_directory_is_the_sessions_temporary_one(settings):
    data_dir = Path(settings.DATA_DIR)
    assert data_dir == Path(os.environ["DATACHAT_DATA_DIR"]).resolve()
    assert not data_dir.is_relative_to(Path(settings.BASE_DIR) / "var")
    app_db = Path(settings.DATABASES["default"]["NAME"])
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and app_db.is_absolute():
        assert app_db.is_relative_to(data_dir)
