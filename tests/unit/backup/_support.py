"""Imports the backup job's modules from the role's files/ (it is not an installed package)."""

import importlib
import importlib.util
import sys
from pathlib import Path

PACKAGE = "wandb_backup"
PACKAGE_DIR = Path(__file__).resolve().parents[3] / "roles" / "backup" / "files" / PACKAGE


def load(name):
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, PACKAGE_DIR / "__init__.py", submodule_search_locations=[str(PACKAGE_DIR)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{PACKAGE}.{name}")
