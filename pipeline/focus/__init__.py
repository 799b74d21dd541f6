"""FOCUS 1.2 (FinOps Open Cost and Usage Specification) for Domino's cost allocation.

The table is a SQL model (`sql/focus/cost_and_usage.sql`, guarded by `sql/checks/focus_*.sql`); this
package holds what is not SQL: where the table lives and the criteria it declares (`spec`), the export
to CSV/Parquet (`export`) and the bridge to the FinOps Foundation's own validator (`validator`).
"""
