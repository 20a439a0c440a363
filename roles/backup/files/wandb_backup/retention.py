"""Which backups to keep: count and age (daily / weekly / monthly), never the newest good one.

Pure: takes (name, time, kind) tuples and a policy, returns the names to keep
and why, so the rules are tested without a disk. Periods are UTC calendar
days, ISO weeks and months, counted back from ``now``; in each, the newest
backup is the one kept. ``safety`` backups (taken by restore.yml before it
replaces anything) are a separate pool: the newest ``safety`` of them are kept.
"""

import datetime

SAFETY = "safety"


def _day(t):
    return t.date()


def _week(t):
    iso = t.isocalendar()
    return (iso[0], iso[1])


def _month(t):
    return (t.year, t.month)


def _periods_back(now, count, key):
    """The keys of the last ``count`` periods ending with the one ``now`` is in."""
    keys, t = [], now
    while len(keys) < count:
        k = key(t)
        if k not in keys:
            keys.append(k)
        t -= datetime.timedelta(days=1)
    return set(keys)


def select(backups, now, policy):
    """Returns {name: [reasons]} for the backups to keep; the rest may be deleted.

    ``backups``: (name, datetime (UTC), kind, good) tuples. Backups that are not
    good (damaged) are never kept by a rule, but are only deleted when a newer
    good backup exists, so a failing drill never leaves the directory empty.
    """
    keep = {}

    def add(name, why):
        keep.setdefault(name, []).append(why)

    regular = sorted(
        [b for b in backups if b[2] != SAFETY and b[3]], key=lambda b: (b[1], b[0]), reverse=True
    )
    safety = sorted(
        [b for b in backups if b[2] == SAFETY and b[3]], key=lambda b: (b[1], b[0]), reverse=True
    )
    if regular:
        add(regular[0][0], "newest good")
    for b in regular[: max(0, int(policy.get("keep_last", 0)))]:
        add(b[0], "last")
    rules = (
        ("daily", _day),
        ("weekly", _week),
        ("monthly", _month),
    )
    for rule, key in rules:
        count = max(0, int(policy.get(rule, 0)))
        if not count:
            continue
        window = _periods_back(now, count, key)
        seen = set()
        for b in regular:
            k = key(b[1])
            if k in window and k not in seen:
                seen.add(k)
                add(b[0], rule)
    for b in safety[: max(0, int(policy.get("safety", 0)))]:
        add(b[0], "safety")
    newest_good = max([b[1] for b in backups if b[3]], default=None)
    for name, when, _kind, is_good in backups:
        if not is_good and (newest_good is None or when > newest_good):
            add(name, "not good, but nothing good is newer")
    return keep
