"""The expand/contract audit of a migration: its upgrade run against a stand-in for
`alembic.op` that records each operation, and everything beyond adding reported."""

from __future__ import annotations

import contextlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa

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
