"""ruff formats a package's files in one batch: names never change the output, errors name the file."""

from __future__ import annotations

import pytest

from nova_gen.render.formatter import FormatError, format_files, format_python

SOURCE = "import os\nimport sys\n__all__ = ['b', 'a']\nx = ( 1, )\nprint(sys.argv)\n"


def test_a_file_formats_the_same_under_any_name() -> None:
    out = format_files({"__init__.py": SOURCE, "models.py": SOURCE, "_protocol.py": SOURCE})
    assert set(out.values()) == {format_python(SOURCE)}
    assert "import os" not in out["__init__.py"]  # F401's fix applies to __init__.py too
    assert "__all__ = [\"a\", \"b\"]" in out["models.py"]


def test_a_syntax_error_names_the_file() -> None:
    with pytest.raises(FormatError, match="_protocol.py:1:5"):
        format_files({"client.py": "x = 1\n", "_protocol.py": "def (\n"})
