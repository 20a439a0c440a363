"""Retention: count and age (daily / weekly / monthly), never the newest good backup."""

import datetime

import pytest

from ._support import load

retention = load("retention")

UTC = datetime.timezone.utc
# A Wednesday, so ISO weeks and months are easy to read below.
NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def at(days, hour=2, kind="scheduled", good=True):
    when = (NOW - datetime.timedelta(days=days)).replace(hour=hour)
    return (f"wandb-{when:%Y%m%dT%H%M%SZ}-{kind}", when, kind, good)


def kept(backups, **policy):
    return set(retention.select(backups, NOW, policy))


def test_daily_keeps_the_newest_of_each_day():
    backups = [at(0, 2), at(0, 1), at(1, 2), at(1, 1), at(2, 2), at(9, 2)]
    assert kept(backups, daily=3) == {at(0, 2)[0], at(1, 2)[0], at(2, 2)[0]}


def test_daily_counts_days_back_from_now_not_backups():
    # No backup for days 1-4: the daily rule has nothing to keep there.
    backups = [at(0), at(5), at(6)]
    assert kept(backups, daily=3) == {at(0)[0]}


def test_weekly_and_monthly_keep_the_newest_of_each_period():
    backups = [at(d) for d in range(0, 120, 3)]
    names = kept(backups, weekly=2, monthly=3)
    # Backups on Nov 25, 22, 19, ... Oct 29, ... Sep 29: the week of Nov 23
    # (newest: Nov 25) and of Nov 16 (Nov 22); November, October (Oct 29) and
    # September (Sep 29).
    expected = {at(0)[0], at(3)[0], at(27)[0], at(57)[0]}
    assert names == expected


def test_keep_last_counts_regardless_of_age():
    backups = [at(400), at(300), at(200)]
    assert kept(backups, keep_last=2) == {at(200)[0], at(300)[0]}


def test_the_newest_good_backup_survives_a_policy_of_nothing():
    backups = [at(40), at(50)]
    assert kept(backups) == {at(40)[0]}


def test_damaged_backups_are_not_counted_and_go_once_a_good_one_is_newer():
    damaged = at(0, 5, good=False)
    older_damaged = at(3, good=False)
    backups = [damaged, at(1), older_damaged, at(2)]
    names = kept(backups, daily=7)
    assert at(1)[0] in names and at(2)[0] in names
    # The newest damaged one is kept only because nothing good is newer than it.
    assert damaged[0] in names
    assert older_damaged[0] not in names


def test_a_damaged_newest_does_not_push_out_the_newest_good():
    backups = [at(0, 5, good=False), at(30)]
    assert at(30)[0] in kept(backups)


def test_safety_backups_are_a_pool_of_their_own():
    s1, s2, s3 = at(0, 6, kind="safety"), at(5, kind="safety"), at(9, kind="safety")
    regular = [at(1), at(2)]
    names = kept([s1, s2, s3, *regular], keep_last=1, safety=2)
    assert names == {s1[0], s2[0], at(1)[0]}


def test_a_safety_backup_is_never_the_newest_good_one():
    s1 = at(0, 6, kind="safety")
    names = kept([s1, at(3)], safety=0)
    assert names == {at(3)[0]}


@pytest.mark.parametrize("rule", ["daily", "weekly", "monthly", "keep_last"])
def test_negative_counts_keep_nothing_extra(rule):
    backups = [at(0), at(1), at(40)]
    assert kept(backups, **{rule: -3}) == {at(0)[0]}
