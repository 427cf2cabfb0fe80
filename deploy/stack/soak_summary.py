"""The soak's figures from locust's CSV files (deploy/stack/run with STACK_SOAK): one line a
kind of request and the total, with the rate, the median, p95 and p99 and the failures; the
5xx answers counted apart. Exit 1 when the total's p99 is 500 ms or more, any 5xx came, or
no request was made."""

from __future__ import annotations

import csv
import re
import sys


def main(stats: str, failures: str) -> int:
    with open(stats, newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(failures, newline="") as handle:
        failed = list(csv.DictReader(handle))
    server_errors = sum(
        int(row["Occurrences"]) for row in failed if re.search(r"\b5\d\d\b", row.get("Error", ""))
    )
    print(f"{'request':<26}{'count':>8}{'per s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'fail':>6}")
    for row in rows:
        print(
            f"{row['Name']:<26}{row['Request Count']:>8}{float(row['Requests/s']):>8.1f}"
            f"{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}{row['Failure Count']:>6}"
        )
    total = next(row for row in rows if row["Name"] == "Aggregated")
    if not int(total["Request Count"]):
        print("No request was made: the people could not sign in (see the soak's log).")
        return 1
    p99 = float(total["99%"])
    print(f"5xx answers: {server_errors}; p99 of all: {p99:.0f} ms (target < 500)")
    return 0 if p99 < 500 and server_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
