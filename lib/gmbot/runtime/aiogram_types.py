"""aiogram with its Telegram types built when first used, not all at import.

aiogram asks pydantic to defer building its ~440 types (`defer_build=True`), then
`aiogram.types` rebuilds every one of them at import to resolve their forward references (each
type module imports the others only under TYPE_CHECKING). That loop costs about 105 MiB of
validators and 4 s, in a process that uses a dozen of them (aiogram issue #1513).

`import_aiogram` imports aiogram with that loop skipped, then gives each type's module the names
the loop would have resolved its annotations with: those its types' annotations spell, not the
whole namespace (~600 names copied into ~600 modules held 5 MiB). pydantic then builds a type
(and what it contains) the first time it validates one, with the same annotations, so the same
validator. A service calls it before anything imports aiogram; imported otherwise, aiogram is as
it ships.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections import defaultdict
from typing import Any
from unittest import mock

from pydantic import BaseModel

_build_now = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def import_aiogram() -> None:
    """Imports aiogram, its types left to be built on first use (a no-op once it is imported)."""
    if "aiogram" in sys.modules:
        return
    names: dict[str, Any] = {}
    deferred: list[type[BaseModel]] = []

    def rebuild(cls: type[BaseModel], /, **options: Any) -> bool | None:
        namespace = options.get("_types_namespace")
        if namespace is None or not cls.model_config.get("defer_build"):
            return _build_now(cls, **options)  # type: ignore[no-any-return]
        names.update(namespace)
        deferred.append(cls)
        return None

    with mock.patch.object(BaseModel, "model_rebuild", classmethod(rebuild)):
        importlib.import_module("aiogram")
    for module, spelled in _names_spelled(deferred).items():
        found = vars(sys.modules[module])
        for name in spelled & names.keys():
            found.setdefault(name, names[name])


def _names_spelled(models: list[type[BaseModel]]) -> dict[str, set[str]]:
    """Per module, the names written in the annotations (strings, as aiogram's modules postpone
    them) of its deferred types and of the classes they inherit fields from. pydantic reads a
    base's annotations in either module, depending on its version: both get the names."""
    spelled: dict[str, set[str]] = defaultdict(set)
    for model in models:
        for klass in model.__mro__:
            for annotation in vars(klass).get("__annotations__", {}).values():
                if isinstance(annotation, str):
                    found = _IDENTIFIER.findall(annotation)
                    spelled[model.__module__].update(found)
                    spelled[klass.__module__].update(found)
    return spelled
