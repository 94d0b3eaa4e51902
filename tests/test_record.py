"""The committed study record stays valid: every recorded config, of today's record and of the archived one counted
by scoring 1, resolves with today's code to its run id and its training id (a new setting at its neutral value is not
hashed), and the summaries read it back."""
import json
import pandas as pd
from conftest import ROOT
from signsym.config import resolve_config, run_id, training_id

RESULTS = ROOT / "data" / "results"

def test_committed_runs_keep_their_ids():
    for path, least in ((RESULTS / "archive" / "scoring1" / "study_runs.csv", 255), (RESULTS / "study_runs.csv", 0)):
        if not path.exists() and least == 0: continue
        runs = pd.read_csv(path, dtype=str)
        assert len(runs) >= least, path
        for r in runs.itertuples():
            cfg = resolve_config(**json.loads(r.config))
            assert run_id(cfg) == r.run_id, (path.name, r.run_id, r.variant)
            assert training_id(cfg) == r.training_id, (path.name, r.run_id, r.variant)

def test_record_robust_never_above_clean():
    "Today's record: every run that measures robust accuracy carries the robust <= clean check, and passes it."
    path = RESULTS / "study_metrics.csv"
    assert path.exists(), "no record: run make summary"
    s = pd.read_csv(path)
    attacked = set(s[s.metric == "robust_accuracy"].run_id)
    checked = s[s.metric == "check_robust_le_clean"]
    assert attacked <= set(checked.run_id), sorted(attacked - set(checked.run_id))[:5]
    assert (checked.value == 1).all(), checked[checked.value != 1][["run_id", "attack", "grad"]].head().to_dict("records")
