"""The operator at 3 a.m.: a command given a path it cannot use says so in one line (a
CommandError, exit status 1), never a traceback."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_backup_into_a_path_that_cannot_be_a_directory_is_one_clear_line(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(CommandError) as refused:
        call_command("backup", output=str(blocker / "backup"))
    assert str(blocker) in str(refused.value)
