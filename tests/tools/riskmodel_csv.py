#!/usr/bin/python3
"""scikit-learn's fit of risk-model on cohort CSVs, for tests/host/run.sh
and bench/analysis: the features of guest/analysis/riskmodel.h built with numpy
from the CSVs (declared bounds read from the schema file, clamped, mapped to
[-1, 1]; a missing eGFR imputed as its lower bound plus an indicator; sex,
diabetes and the stage one-hot as 0/1), then LogisticRegression with
C = 1 / (lambda * n), the intercept fitted and not penalised, as
tests/tools/riskmodel_ref.py does.

Usage: riskmodel_csv.py RUNS SCHEMA CSV...
Prints JSON: rows, coefficients by feature name (the names of `c2d run
--analysis risk-model --json`), the solver, its iterations, and the median
seconds over RUNS of reading the CSVs into features and of the fit alone."""
import json
import statistics
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression

LAMBDA = 1 / 100   # RM_LAMBDA_NUM / RM_LAMBDA_DEN
STAGES = ["G1", "G2", "G3a", "G3b", "G4", "G5"]
NAMES = ["intercept", "age", "egfr", "creatinine", "systolic_bp", "egfr_missing", "sex_M",
         "diabetes"] + ["ckd_" + s for s in STAGES]
NUMERIC = ["age", "egfr", "creatinine", "systolic_bp"]


def bounds(schema_path):
    with open(schema_path) as f:
        cols = {c["name"]: c for c in json.load(f)["columns"]}
    return {k: (float(cols[k]["min"]), float(cols[k]["max"])) for k in NUMERIC}


def scaled(x, lo, hi):
    # riskmodel.c's scaled(): clamp to the declared bounds, then the same
    # expression, element by element in double.
    return (np.clip(x, lo, hi) - lo) / (hi - lo) * 2.0 - 1.0


def features(paths, bnd):
    dtype = {"age": "int64", "egfr": "float64", "creatinine": "float64",
             "systolic_bp": "int64", "sex": pd.CategoricalDtype(["F", "M"]),
             "ckd_stage": pd.CategoricalDtype(STAGES)}
    df = pd.concat([pd.read_csv(p, usecols=list(dtype) + ["diabetes", "outcome"], dtype=dtype,
                                true_values=["true"], false_values=["false"])
                    for p in paths], ignore_index=True)
    egfr = df["egfr"].to_numpy()
    missing = np.isnan(egfr)
    x = np.empty((len(df), len(NAMES) - 1))
    x[:, 0] = scaled(df["age"].to_numpy(dtype=float), *bnd["age"])
    x[:, 1] = np.where(missing, -1.0, scaled(np.nan_to_num(egfr), *bnd["egfr"]))
    x[:, 2] = scaled(df["creatinine"].to_numpy(), *bnd["creatinine"])
    x[:, 3] = scaled(df["systolic_bp"].to_numpy(dtype=float), *bnd["systolic_bp"])
    x[:, 4] = missing
    x[:, 5] = df["sex"].cat.codes.to_numpy() == 1
    x[:, 6] = df["diabetes"].to_numpy(dtype=bool)
    stage = df["ckd_stage"].cat.codes.to_numpy()
    for k in range(len(STAGES)):
        x[:, 7 + k] = stage == k
    return x, df["outcome"].to_numpy(dtype=np.int64)


def main():
    runs, schema, paths = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    bnd = bounds(schema)
    read_s, fit_s = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        x, y = features(paths, bnd)
        t1 = time.perf_counter()
        m = LogisticRegression(C=1 / (LAMBDA * len(y)), fit_intercept=True, tol=1e-12,
                               max_iter=100, solver="newton-cholesky")
        m.fit(x, y)
        t2 = time.perf_counter()
        read_s.append(t1 - t0)
        fit_s.append(t2 - t1)
    coef = [float(m.intercept_[0])] + [float(c) for c in m.coef_[0]]
    json.dump({"rows": len(y), "coefficients": dict(zip(NAMES, coef)),
               "solver": "newton-cholesky", "iterations": int(m.n_iter_[0]),
               "read_s": statistics.median(read_s), "fit_s": statistics.median(fit_s),
               "sklearn": sklearn.__version__}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
