"""Fail when a known test secret appears in an Ansible log, in any form a log could hold it.

Usage: scan_secrets.py LOG SECRETS.yml [SECRETS.yml ...]

It also prints the log's last lines with every secret masked, so a failed run can be read.

Each SECRETS.yml maps names to secret values (``!unsafe`` tags allowed). A value is looked for
as it is, percent-encoded (as in W&B's connection URLs), form-encoded, and JSON-escaped (as
``-vvv`` prints module arguments and results). Only the names of leaked secrets are printed.
"""

import json
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import yaml


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def forms(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}


def main(argv: list[str]) -> int:
    log = Path(argv[1]).read_text(errors="replace")
    leaked, masked = [], log
    for path in argv[2:]:
        # A SafeLoader that also reads !unsafe: nothing is instantiated.
        data = yaml.load(Path(path).read_text(), Loader=_Loader)  # noqa: S506
        for name, value in (data or {}).items():
            if not isinstance(value, str) or len(value) < 6:
                continue
            found = [f for f in forms(value) if f in log]
            if found:
                leaked.append(name)
            for form in sorted(forms(value), key=len, reverse=True):
                masked = masked.replace(form, "********")
    print("\n".join(masked.splitlines()[-40:]))
    if leaked:
        print("secrets found in the log: " + ", ".join(sorted(leaked)))
        return 1
    print(f"no secret in {len(log)} characters of log")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
