#!/usr/bin/env python3
"""The full-year school report in DuckDB, for `rollbook bench analytics`.

Reads the CSV files the command exports (codes.csv, open_sessions.csv, pupils.csv, marks.csv, meta.json) into an
in-memory DuckDB database, runs the report in SQL several times and prints one JSON object on standard output:

    {"version": ..., "threads": ..., "variants": [{"name", "label", "load", "times", "figures"}, ...]}

Two variants, both timed from the same loaded tables:

* ``raw``: the report straight from the marks, the pupils and the open-session calendar (the joins that decide which
  marks count, for the pupil's year group while on roll, are part of the query).
* ``prepared``: at load, one table of every counted session (pupil, school week, category, unmarked included), built by
  the same joins: the counterpart of Rollbook's compact roll, whose load does the same work. The query is then one
  aggregation, a window and the cohort GROUPING SETS.

Categories (codes.csv): 1 present (incl. L), 2 approved educational activity, 3 authorised absence, 4 unauthorised
absence (G, N, O, U), 5 not a possible session (D, X, Q, Y1-Y7, Z, #); an open session with no mark is 0.

DuckDB runs with its default number of threads. Times are wall-clock seconds, results fetched into Python.
"""
import argparse
import json
import os
import statistics
import sys
import time

import duckdb

FLAGS = ["fsm", "pupil_premium", "eal", "looked_after", "previously_looked_after", "child_in_need", "child_protection",
         "young_carer"]
DIMENSIONS = ["year_group", "form", "house", "sex", "ethnicity", "sen"] + [f + "_yn" for f in FLAGS]


def load(con, data):
    def csv(name, columns):
        cols = ", ".join(f"'{k}': '{v}'" for k, v in columns.items())
        return f"read_csv('{os.path.join(data, name)}', header = true, delim = ',', quote = '\"', escape = '\"', columns = {{{cols}}})"

    con.execute("CREATE TABLE codes AS SELECT * FROM " + csv("codes.csv", {"code": "VARCHAR", "category": "UTINYINT"}))
    con.execute("CREATE TABLE open_sessions AS SELECT * FROM " + csv(
        "open_sessions.csv", {"year_group": "VARCHAR", "day": "SMALLINT", "session": "UTINYINT", "week": "SMALLINT"}))
    pupil_columns = {"pupil_id": "INTEGER", "year_group": "VARCHAR", "form": "VARCHAR", "house": "VARCHAR", "sex": "VARCHAR",
                     "ethnicity": "VARCHAR", "sen": "VARCHAR"}
    pupil_columns.update({f: "BOOLEAN" for f in FLAGS})
    pupil_columns.update({"start_day": "SMALLINT", "end_day": "SMALLINT"})
    con.execute("CREATE TABLE pupils AS SELECT * FROM " + csv("pupils.csv", pupil_columns))
    # The code as an ENUM of the code set (one byte a row, as a DBA would store a closed list).
    con.execute("CREATE TYPE attendance_code AS ENUM (SELECT code FROM codes ORDER BY category, code)")
    con.execute("CREATE TABLE marks AS SELECT pupil_id, day, session, code::attendance_code AS code FROM " + csv(
        "marks.csv", {"pupil_id": "INTEGER", "day": "SMALLINT", "session": "UTINYINT", "code": "VARCHAR"}))
    con.execute("CREATE TABLE codes_e AS SELECT code::attendance_code AS code, category FROM codes")


def prepare(con):
    """Every counted session: open for the pupil's year group while on roll, with its mark's category (0 unmarked)."""
    con.execute("""
        CREATE TABLE counted AS
        SELECT p.pupil_id, o.week, coalesce(c.category, CASE WHEN m.code IS NULL THEN 0 ELSE 5 END)::UTINYINT AS category
        FROM pupils p
        JOIN open_sessions o ON o.year_group = p.year_group AND o.day BETWEEN p.start_day AND p.end_day
        LEFT JOIN marks m ON m.pupil_id = p.pupil_id AND m.day = o.day AND m.session = o.session
        LEFT JOIN codes_e c ON c.code = m.code
        ORDER BY p.pupil_id, o.day, o.session
    """)


def cohort_sql(per_pupil_cte, window, threshold):
    """The school and every cohort from per-pupil rows (possible, present, activity, authorised, unauthorised,
    unmarked, max_window), with GROUPING SETS: one row per group."""
    flags = ",\n".join(f"CASE WHEN p.{f} THEN 'Y' ELSE 'N' END AS {f}_yn" for f in FLAGS)
    sets = ", ".join(f"({d})" for d in DIMENSIONS)
    which = "\n".join(f"WHEN grouping({d}) = 0 THEN '{d.removesuffix('_yn')}'" for d in DIMENSIONS)
    return f"""
        {per_pupil_cte},
        pp AS (
            SELECT p.year_group, p.form, p.house, p.sex, p.ethnicity, p.sen,
                   {flags},
                   coalesce(s.possible, 0) AS possible, coalesce(s.present, 0) AS present,
                   coalesce(s.activity, 0) AS activity, coalesce(s.authorised, 0) AS authorised,
                   coalesce(s.unauthorised, 0) AS unauthorised, coalesce(s.unmarked, 0) AS unmarked,
                   CASE WHEN s.max_window >= {threshold} THEN s.max_window END AS penalty_window
            FROM pupils p LEFT JOIN per_pupil s USING (pupil_id)
        )
        SELECT CASE {which} ELSE 'total' END AS dim,
               coalesce({", ".join(DIMENSIONS)}) AS value,
               count(*) FILTER (WHERE possible > 0) AS pupils,
               sum(possible) AS possible, sum(present) AS present, sum(activity) AS activity,
               sum(authorised) AS authorised, sum(unauthorised) AS unauthorised, sum(unmarked) AS unmarked,
               count(*) FILTER (WHERE possible > 0 AND (authorised + unauthorised) * 10 >= possible) AS pa,
               count(*) FILTER (WHERE possible > 0 AND (authorised + unauthorised) * 2 >= possible) AS sa,
               count(penalty_window) AS penalty_pupils, coalesce(sum(penalty_window), 0) AS penalty_max_sessions
        FROM pp
        GROUP BY GROUPING SETS ((), {sets})
    """


def raw_query(window, threshold, days):
    """From the marks: the marks that count (open for the year group, on roll) by pupil and school week, each pupil's
    open sessions on roll from a running count of the calendar, and the 10-week window over unauthorised sessions."""
    per_pupil = f"""
        WITH
        counted AS (
            SELECT m.pupil_id, o.week, c.category
            FROM marks m
            JOIN pupils p ON p.pupil_id = m.pupil_id
            JOIN open_sessions o ON o.year_group = p.year_group AND o.day = m.day AND o.session = m.session
            JOIN codes_e c ON c.code = m.code
            WHERE m.day BETWEEN p.start_day AND p.end_day
        ),
        by_category AS (
            SELECT pupil_id, category, count(*) AS n FROM counted GROUP BY pupil_id, category
        ),
        marks_per_pupil AS (
            SELECT pupil_id, sum(n) AS marked,
                   sum(n) FILTER (WHERE category = 1) AS present, sum(n) FILTER (WHERE category = 2) AS activity,
                   sum(n) FILTER (WHERE category = 3) AS authorised, sum(n) FILTER (WHERE category = 4) AS unauthorised,
                   sum(n) FILTER (WHERE category = 5) AS not_possible
            FROM by_category GROUP BY pupil_id
        ),
        weekly AS (
            SELECT pupil_id, week, count(*) AS n FROM counted WHERE category = 4 GROUP BY pupil_id, week
        ),
        windows AS (
            SELECT pupil_id, max(w) AS max_window FROM (
                SELECT pupil_id, sum(n) OVER (PARTITION BY pupil_id ORDER BY week RANGE BETWEEN {window - 1} PRECEDING AND CURRENT ROW) AS w
                FROM weekly
            ) GROUP BY pupil_id
        ),
        -- Open sessions up to and including each day, per year group (day -1 holds 0).
        open_upto AS (
            SELECT g.year_group, d.day,
                   sum(coalesce(o.n, 0)) OVER (PARTITION BY g.year_group ORDER BY d.day ROWS UNBOUNDED PRECEDING) AS upto
            FROM (SELECT DISTINCT year_group FROM open_sessions) g
            CROSS JOIN (SELECT range::SMALLINT AS day FROM range(-1, {days})) d
            LEFT JOIN (SELECT year_group, day, count(*) AS n FROM open_sessions GROUP BY ALL) o
                   ON o.year_group = g.year_group AND o.day = d.day
        ),
        per_pupil AS (
            SELECT p.pupil_id,
                   (e.upto - b.upto) - coalesce(m.not_possible, 0) AS possible,
                   m.present, m.activity, m.authorised, m.unauthorised,
                   (e.upto - b.upto) - coalesce(m.marked, 0) AS unmarked,
                   w.max_window
            FROM pupils p
            JOIN open_upto e ON e.year_group = p.year_group AND e.day = p.end_day
            JOIN open_upto b ON b.year_group = p.year_group AND b.day = p.start_day - 1
            LEFT JOIN marks_per_pupil m ON m.pupil_id = p.pupil_id
            LEFT JOIN windows w ON w.pupil_id = p.pupil_id
        )"""
    return cohort_sql(per_pupil, window, threshold)


def prepared_query(window, threshold):
    per_pupil = f"""
        WITH
        by_category AS (
            SELECT pupil_id, category, count(*) AS n FROM counted GROUP BY pupil_id, category
        ),
        weekly AS (
            SELECT pupil_id, week, count(*) AS n FROM counted WHERE category = 4 GROUP BY pupil_id, week
        ),
        windows AS (
            SELECT pupil_id, max(w) AS max_window FROM (
                SELECT pupil_id, sum(n) OVER (PARTITION BY pupil_id ORDER BY week RANGE BETWEEN {window - 1} PRECEDING AND CURRENT ROW) AS w
                FROM weekly
            ) GROUP BY pupil_id
        ),
        per_pupil AS (
            SELECT pupil_id,
                   sum(n) FILTER (WHERE category < 5) AS possible,
                   sum(n) FILTER (WHERE category = 1) AS present, sum(n) FILTER (WHERE category = 2) AS activity,
                   sum(n) FILTER (WHERE category = 3) AS authorised, sum(n) FILTER (WHERE category = 4) AS unauthorised,
                   sum(n) FILTER (WHERE category = 0) AS unmarked,
                   any_value(w.max_window) AS max_window
            FROM by_category LEFT JOIN windows w USING (pupil_id)
            GROUP BY pupil_id
        )"""
    return cohort_sql(per_pupil, window, threshold)


def figures(rows, columns):
    out = {"cohorts": {}}
    for r in rows:
        row = dict(zip(columns, r))
        dim, value = row["dim"], row["value"]
        n = {k: int(row[k] or 0) for k in columns if k not in ("dim", "value")}
        if dim == "total":
            out.update({k: n[k] for k in ("possible", "present", "activity", "authorised", "unauthorised", "unmarked",
                                          "pupils", "pa", "sa", "penalty_pupils", "penalty_max_sessions")})
        elif value is not None and value != "":
            out["cohorts"][f"{dim}={value}"] = {"pupils": n["pupils"], "possible": n["possible"],
                                                 "attended": n["present"] + n["activity"], "pa": n["pa"], "sa": n["sa"]}
    return out


def timed(con, sql, runs):
    """`runs` timed executions (fetching the rows) after one untimed warm-up."""
    con.execute(sql).fetchall()
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        cur = con.execute(sql)
        rows = cur.fetchall()
        times.append(time.perf_counter() - t)
        result = figures(rows, [d[0] for d in cur.description])
    return times, result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="folder with the exported CSV files")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--explain", action="store_true", help="print each query's plan (EXPLAIN ANALYZE) to standard error")
    args = ap.parse_args()
    with open(os.path.join(args.data, "meta.json")) as f:
        meta = json.load(f)
    window, threshold = meta["window_school_weeks"], meta["threshold_sessions"]

    con = duckdb.connect()  # in memory, default threads
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    t = time.perf_counter()
    load(con, args.data)
    raw_load = time.perf_counter() - t
    t = time.perf_counter()
    prepare(con)
    prepare_time = time.perf_counter() - t
    rows = con.execute("SELECT (SELECT count(*) FROM marks), (SELECT count(*) FROM counted)").fetchone()
    print(f"  DuckDB {duckdb.__version__}, {threads} threads: loaded {rows[0]} marks in {raw_load:.2f} s; "
          f"{rows[1]} counted sessions prepared in {prepare_time:.2f} s", file=sys.stderr)

    variants = []
    for name, label, sql, load_time in [
        ("raw", "SQL on marks + calendar", raw_query(window, threshold, meta["days"]), raw_load),
        ("prepared", "SQL on prepared sessions", prepared_query(window, threshold), raw_load + prepare_time),
    ]:
        if args.explain:
            print(con.execute("EXPLAIN ANALYZE " + sql).fetchall()[0][1], file=sys.stderr)
        times, result = timed(con, sql, args.runs)
        print(f"  DuckDB {name}: median {statistics.median(times) * 1000:.0f} ms over {len(times)} runs", file=sys.stderr)
        variants.append({"name": f"DuckDB {name}", "label": label, "load": load_time, "times": times, "figures": result})
    json.dump({"version": duckdb.__version__, "threads": int(threads), "variants": variants}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
