"""Every migration since the last release only expands the schema, so the release before it keeps
working during a rolling update and after a rollback.

`test_the_migrations_since_the_release_only_add` runs each migration newer than the release
against a recorder of Alembic's operations (no database) and refuses anything but new tables, new
indexes and new columns that are nullable or have a server default. A migration that executes SQL
or reads the database cannot be judged this way and is refused too (review it by hand).
test_released_code.py runs the release's own models on the schema these migrations make.
Checked by hand once: a migration that adds a NOT NULL column and then drops its default fails
the audit and both of test_released_code.py's tests.
"""

from __future__ import annotations

import contextlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from tests.integration.released import SCHEMAS, released_revisions

ADDITIVE = {"create_table", "create_index", "add_column", "batch_alter_table"}


@dataclass
class Recorder:
    """Stands in for `alembic.op`: records each operation a migration asks for."""

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        if name == "f":  # op.f marks a name as final: naming, not an operation
            return lambda name: name

        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            # batch_alter_table's operations go to the same record
            return contextlib.nullcontext(self) if name == "batch_alter_table" else None

        return record


def not_additive(module: ModuleType) -> list[str]:
    """What a migration's upgrade does beyond adding, one line each."""
    recorder = Recorder()
    module.__dict__["op"] = recorder  # the module's own `from alembic import op`
    try:
        module.upgrade()
    except Exception as error:  # it needs a database: it reads or rewrites data
        return [f"cannot be judged without a database ({error.__class__.__name__}: {error})"]
    problems = []
    for name, args, kwargs in recorder.calls:
        if name not in ADDITIVE:
            problems.append(f"{name}{args}")
        elif name == "add_column":
            column = next(a for a in (*args, *kwargs.values()) if isinstance(a, sa.Column))
            if not column.nullable and column.server_default is None:
                problems.append(f"add_column {column.name}: NOT NULL without a server default")
    return problems


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
def test_the_migrations_since_the_release_only_add(schema: str) -> None:
    app, folder = SCHEMAS[schema]
    released = released_revisions(folder)
    script = ScriptDirectory(str(app.MIGRATIONS))
    assert released <= {revision.revision for revision in script.walk_revisions()}
    problems = {}
    for revision in script.walk_revisions():
        if revision.revision not in released:
            module = load(Path(revision.path), f"audited_{schema}_{revision.revision}")
            problems[revision.revision] = not_additive(module)
    assert {revision: found for revision, found in problems.items() if found} == {}


MIGRATION = """
import sqlalchemy as sa
from alembic import op

def upgrade():
{body}
"""


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ('    op.add_column("t", sa.Column("c", sa.Text, nullable=True))', False),
        (
            '    op.add_column("t", sa.Column("c", sa.Text, nullable=False, server_default=""))',
            False,
        ),
        ('    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))', False),
        ('    op.create_index("ix_t_c", "t", ["c"])', False),
        ('    op.add_column("t", sa.Column("c", sa.Text, nullable=False))', True),
        ('    op.drop_column("t", "c")', True),
        ('    op.alter_column("t", "c", nullable=False)', True),
        ('    op.rename_table("t", "u")', True),
        ('    op.drop_table("t")', True),
        ('    op.execute("UPDATE t SET c = 1")', True),
        (
            '    with op.batch_alter_table("t") as batch:\n'
            '        batch.add_column(sa.Column("c", sa.Text, nullable=True))\n'
            '        batch.drop_column("d")',
            True,
        ),
        ('    op.get_bind().execute(sa.text("SELECT 1"))', True),
    ],
)
def test_only_additions_pass_the_audit(body: str, refused: bool, tmp_path: Path) -> None:
    path = tmp_path / "migration.py"
    path.write_text(MIGRATION.format(body=body))
    assert bool(not_additive(load(path, "audited_example"))) == refused
