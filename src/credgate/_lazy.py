"""Names a package exports from submodules it imports only when one of those names is first used.

`from credgate import gitio; gitio.commit_info(...)` keeps working while the commit hook, which never
asks for it, does not pay for importing `gitio.metadata` (and `datetime`). The package keeps its static
imports under `if TYPE_CHECKING:` for mypy, and tests/test_architecture.py checks that they and the
table given here name the same things.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any, Callable


def exports(
    package: str, namespace: dict[str, Any], table: dict[str, tuple[str, ...]]
) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: each name in `table` (submodule -> names) is imported from
    its submodule on first use and then kept in the package's `namespace`, like an eager import."""
    where = {name: module for module, names in table.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
