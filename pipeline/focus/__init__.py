"""FOCUS 1.2 (FinOps Open Cost and Usage Specification) for Domino's cost allocation.

The table itself is a SQL model (`sql/focus/cost_and_usage.sql`); this package holds what is not SQL:
the FOCUS vocabulary we promise (`spec`), the checks that guard the table (`checks`), the export to
CSV/Parquet (`export`) and the bridge to the FinOps Foundation's own validator (`validator`).
"""
