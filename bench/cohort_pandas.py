#!/usr/bin/python3
"""The reference for make bench: cohort-stats computed by pandas from the
same CSVs. Prints JSON: the same outputs as `c2d run --json` (.outputs,
.rows), and the median seconds of reading the CSVs and of computing the
cells over RUNS repetitions. Usage: cohort_pandas.py RUNS CSV..."""
import json
import statistics
import sys
import time

import numpy as np
import pandas as pd

SITES = ["A", "B", "C", "D", "X"]
STAGES = ["G1", "G2", "G3a", "G3b", "G4", "G5"]
SEXES = ["F", "M"]
BAND_FROM = [40, 60, 75]      # 18-39 holds every age below 40 (cohort_stats.h)
NS, NST, NB, NX = len(SITES), len(STAGES), 4, len(SEXES)


def read(paths):
    dtype = {"age": "int64", "egfr": "float64", "sex": pd.CategoricalDtype(SEXES),
             "ckd_stage": pd.CategoricalDtype(STAGES), "site": pd.CategoricalDtype(SITES)}
    frames = [pd.read_csv(p, usecols=["age", "sex", "egfr", "ckd_stage", "outcome", "site"],
                          dtype=dtype, true_values=["true"], false_values=["false"])
              for p in paths]
    return pd.concat(frames, ignore_index=True)


def compute(df):
    # The same lattice as the analysis: eGFR clamped to [0, 200], times 2^8,
    # rounded toward zero; a missing eGFR adds nothing to the sum.
    egfr = df["egfr"]
    lattice = np.trunc(egfr.clip(0, 200) * 256).fillna(0).astype("int64")
    band = np.searchsorted(BAND_FROM, df["age"].to_numpy(), side="right")
    work = pd.DataFrame({
        "site": df["site"].cat.codes, "stage": df["ckd_stage"].cat.codes, "band": band,
        "sex": df["sex"].cat.codes, "outcome": df["outcome"].astype("int64"),
        "egfr_null": egfr.isna().astype("int64"), "egfr_sum": lattice})
    g = work.groupby(["site", "stage", "band", "sex"]).agg(
        rows=("outcome", "size"), outcome=("outcome", "sum"),
        egfr_null=("egfr_null", "sum"), egfr_sum=("egfr_sum", "sum"))
    full = pd.MultiIndex.from_product([range(NS), range(NST), range(NB), range(NX)],
                                      names=["site", "stage", "band", "sex"])
    g = g.reindex(full, fill_value=0)
    out = {}
    for col in ["rows", "outcome", "egfr_null", "egfr_sum"]:
        site = g[col].to_numpy().reshape(NS, NST * NB * NX)
        out["site_" + col] = site.ravel().tolist()
        out["pooled_" + col] = site.sum(axis=0).tolist()
    return out


def main():
    runs, paths = int(sys.argv[1]), sys.argv[2:]
    read_s, compute_s = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        df = read(paths)
        t1 = time.perf_counter()
        out = compute(df)
        t2 = time.perf_counter()
        read_s.append(t1 - t0)
        compute_s.append(t2 - t1)
    order = ["site_rows", "site_outcome", "site_egfr_null", "site_egfr_sum",
             "pooled_rows", "pooled_outcome", "pooled_egfr_null", "pooled_egfr_sum"]
    json.dump({"rows": len(df), "outputs": {k: out[k] for k in order},
               "read_s": statistics.median(read_s), "compute_s": statistics.median(compute_s),
               "pandas": pd.__version__}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
