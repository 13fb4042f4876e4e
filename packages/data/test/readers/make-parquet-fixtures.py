"""Writes the small Parquet fixtures of the table-reader tests (packages/data/src/readers).

Run from this folder with a Python that has pyarrow:  python make-parquet-fixtures.py
The outputs are committed; rerun only to change them, and update the tests to match.
"""
import datetime

import pyarrow as pa
import pyarrow.parquet as pq

# Seven rows in row groups of three (3 + 3 + 1), so batches must cross row-group boundaries.
rows = {
    "id": pa.array([1, 2, 3, 4, 5, 6, 7], pa.int64()),
    "score": pa.array([0.5, None, 2.25, -1.0, 3.0, 4.5, 1e-3], pa.float64()),
    "name": pa.array(["a", "b", None, "d", "é", "f", "g"], pa.string()),
    "flag": pa.array([True, False, True, None, False, True, False], pa.bool_()),
    # 2**60 is beyond 2**53: it must come back as exact decimal text, not a rounded number.
    "big": pa.array([2**60, 1, 2, 3, 4, 5, 6], pa.int64()),
    "ts": pa.array([datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)] * 7, pa.timestamp("ms", tz="UTC")),
    "day": pa.array([datetime.date(2024, 2, 29)] * 7, pa.date32()),
    "tags": pa.array([["x", "y"], [], None, ["z"], ["x"], ["y"], ["z"]], pa.list_(pa.string())),
    "meta": pa.array([{"a": 1, "b": "u"}] * 7, pa.struct([("a", pa.int32()), ("b", pa.string())])),
}
table = pa.table(rows)
pq.write_table(table, "table.parquet", row_group_size=3, compression="snappy")

small = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "name": pa.array(["a", "b", "c"], pa.string())})
pq.write_table(small, "gzip.parquet", compression="gzip")
pq.write_table(small, "zstd.parquet", compression="zstd")

# A schema and no rows: readers yield nothing, inspectTable still has the columns.
pq.write_table(small.slice(0, 0), "empty-rows.parquet")
