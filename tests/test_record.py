"""The committed study record stays valid: every recorded config resolves, with today's code, to its run id and its
training id (a new setting at its neutral value is not hashed), and the summaries read it back."""
import json
import pandas as pd
from conftest import ROOT
from signsym.config import resolve_config, run_id, training_id

RUNS = ROOT / "data" / "results" / "study_runs.csv"

def test_committed_runs_keep_their_ids():
    runs = pd.read_csv(RUNS, dtype=str)
    assert len(runs) >= 51
    for r in runs.itertuples():
        cfg = resolve_config(**json.loads(r.config))
        assert run_id(cfg) == r.run_id, (r.run_id, r.variant)
        assert training_id(cfg) == r.training_id, (r.run_id, r.variant)
