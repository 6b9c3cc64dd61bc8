"""Monthly North Korean launch days from the CNS database's rows: January 2016 – May 2024
(the candidate in-sample series) and June 2024 – April 2026 (its held-out months).

Why a script: the 101 monthly counts in
`seeds/observations/candidates/prk_launch_days_monthly.yaml` and the 23 held-out ones in
`prk_launch_days_monthly_holdout.yaml` are derived, not read, so the rule must be
checkable. Rows (`cns_launch_rows_2016_2024.tsv` and `cns_launch_rows_2024_2026.tsv`, one
per missile, quoted from
the CNS North Korea Missile Test Database as copied in nagix/nk-missile-tests at a pinned
commit) become launch days by Korean local date: UTC time + 9 h where a UTC time is given;
a row without one takes the local date of a timed row of the same listed date, else the
listed date. A month's value is its number of distinct launch days (0 if none).

    python scripts/derive_launch_days.py            # rewrite both YAML files
    python scripts/derive_launch_days.py --check    # exit 1 if either file differs

The held-out file ends with April 2026: the copy's last row is 26 May 2026, so May may be
incomplete in it (docs/preregistration-monthly-launches-holdout.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parents[1] / "seeds" / "observations" / "candidates"
ROWS = HERE / "cns_launch_rows_2016_2024.tsv"
OUT = HERE / "prk_launch_days_monthly.yaml"
COMMIT = "10e0387924a751ce6c07c3874756499bd2f931c8"
SOURCE = {
    "publisher": "James Martin Center for Nonproliferation Studies (CNS) North Korea "
    "Missile Test Database, as copied in github.com/nagix/nk-missile-tests",
    "title": "data/test.en.json (one row per missile: date, UTC time, missile, site, outcome)",
    "date": "2026-05-26",  # the copy's last entry: the data as of that date
    "url": f"https://github.com/nagix/nk-missile-tests/blob/{COMMIT}/data/test.en.json",
}
HOLDOUT_HEADER = """\
# North Korean launch days per month, June 2024 – April 2026 — HOLDOUT: never fitted, and
# outside the shipped observation set and the shipped holdout folder (candidate series).
# Derived by scripts/derive_launch_days.py from cns_launch_rows_2024_2026.tsv (rows of the
# CNS North Korea Missile Test Database, the same pinned copy); do not edit by hand.
# docs/preregistration-monthly-launches-holdout.md says why and how it is used.
"""
HEADER = """\
# North Korean launch days per month, January 2016 – May 2024 (candidate series, NOT in the
# shipped observation set: the calibration spec reads seeds/observations/*.yaml only).
# Derived by scripts/derive_launch_days.py from cns_launch_rows_2016_2024.tsv (rows of the
# CNS North Korea Missile Test Database, pinned copy); do not edit by hand.
# docs/preregistration-monthly-launches.md says why and how it is used.
"""


def rows(path: Path = ROWS) -> list[tuple[str, str]]:
    """(listed date, time) of every row."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            date, time = line.split("\t")[:2]
            out.append((date, time))
    return out


def local_date(date: str, time: str) -> str | None:
    """The Korean local date of a row with a UTC time, else None."""
    if "UTC" not in time:
        return None
    hours, minutes = (int(p) for p in time.split()[0].split(":"))
    utc = dt.datetime.fromisoformat(date) + dt.timedelta(hours=hours, minutes=minutes)
    return (utc + dt.timedelta(hours=9)).date().isoformat()


def launch_days(table: list[tuple[str, str]]) -> set[str]:
    """Distinct local launch days; an untimed row takes its salvo's local date."""
    timed = {d: local_date(d, t) for d, t in reversed(table) if local_date(d, t)}
    return {local_date(d, t) or timed.get(d, d) for d, t in table}


@dataclass(frozen=True)
class Series:
    """One derived file: its rows, its months (first and last, inclusive) and its header."""

    rows: Path
    out: Path
    first: tuple[int, int]
    last: tuple[int, int]
    header: str


IN_SAMPLE = Series(ROWS, OUT, (2016, 1), (2024, 5), HEADER)
HELD_OUT = Series(HERE / "cns_launch_rows_2024_2026.tsv",
                  HERE / "prk_launch_days_monthly_holdout.yaml", (2024, 6), (2026, 4),
                  HOLDOUT_HEADER)  # fmt: skip


def months(series: Series = IN_SAMPLE) -> list[str]:
    years = range(series.first[0], series.last[0] + 1)
    return [f"{y}-{m:02d}" for y in years for m in range(1, 13)
            if series.first <= (y, m) <= series.last]  # fmt: skip


def records(days: set[str], series: Series = IN_SAMPLE) -> list[dict]:
    out = []
    for month in months(series):
        listed = sorted(d for d in days if d.startswith(month))
        out.append(
            {
                "id": f"prk-launch-days-{month}-cns",
                "kind": "missile_launches",
                "actor": "PRK",
                "period": month,
                "value": len(listed),
                "unit": "launch events (launch days, Korean local date) in the month",
                "reliability": "derived",
                "source": dict(SOURCE),
                "note": "launch days: " + (", ".join(d[8:] for d in listed) or "none"),
            }
        )
    return out


def text(series: Series = IN_SAMPLE) -> str:
    found = records(launch_days(rows(series.rows)), series)
    body = yaml.safe_dump({"observations": found}, sort_keys=False, allow_unicode=True,
                          width=100)  # fmt: skip
    return series.header + body


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is not derived")
    args = ap.parse_args(argv)
    code = 0
    for series in (IN_SAMPLE, HELD_OUT):
        new, out = text(series), series.out
        if args.check:
            same = out.exists() and out.read_text(encoding="utf-8") == new
            print(f"{out.name}: {'derived from the rows' if same else 'differs from the rows'}")
            code = code or (0 if same else 1)
            continue
        out.write_text(new, encoding="utf-8")
        print(f"wrote {out} ({len(months(series))} months)")
    return code


if __name__ == "__main__":
    sys.exit(main())
