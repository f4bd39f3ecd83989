"""A small seeded subset of the mutation fuzzer (samples/mutate.py; the large run is
bench/mutations.py): one mutant of each kind through `complaints ingest` in a real process.
Whatever a mutant loses, nothing loads wrong, nothing prints a traceback, and every refusal
is one line with a reason of its own (not the run's catch-all)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb

from samples import mutate

REPO = Path(__file__).parent.parent
SEED = 11
ERROR_LINE = re.compile(r"^Error: (.+?\.pdf)(?: \(page \d+\))?: (.*)$")


def test_one_mutant_of_each_kind_is_refused_or_loaded_right(tmp_path):
    made = list(mutate.mutants(SEED, len(mutate.KINDS)))
    assert [m.kind for m in made] == list(mutate.KINDS)
    assert [m.data for m in mutate.mutants(SEED, 2)] == [m.data for m in made[:2]]  # seeded
    folder = tmp_path / "in"
    folder.mkdir()
    for mutant in made:
        (folder / mutant.name).write_bytes(mutant.data)
    db = tmp_path / "w.duckdb"
    done = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(folder), "--db",
                           str(db), "--workers", "2"], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.splitlines()
    errors = {m.group(1): m.group(2) for line in lines if (m := ERROR_LINE.match(line))}
    assert len(errors) == len(lines), lines  # every line on stderr is one file's one line
    assert not [e for e in errors.values() if "unexpected" in e]
    con = duckdb.connect(str(db), read_only=True)
    verdicts = {m.kind: mutate.judge(con, m, errors.get(m.name), baseline=0) for m in made}
    con.close()
    assert not [v for v in verdicts.values() if v.outcome == "loaded wrong"], verdicts
    # The two bombs are refused by their bounds, whatever page they replaced.
    assert "content stream inflates to over 64 MB" in verdicts["stream_inflation"].detail
    assert "drawing operations on one page" in verdicts["operator_flood"].detail
