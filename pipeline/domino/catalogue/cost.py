"""Cost: billing tags and their settings, budgets (python-domino's `/v4/cost/budgets` routes), cost
allocation (daily) and cost assets (daily)."""

from __future__ import annotations

from pipeline.domino.catalogue.base import Endpoint, child_of, col, cost_columns, table
from pipeline.domino.enums import BILLING_TAG_MODES, BUDGET_LABELS
from pipeline.tables import Column


def _budget_columns() -> tuple[Column, ...]:
    """What every budget carries (python-domino's payload: budgetLabel, budgetType, limit, window)."""
    return (
        col("budget_label", "budgetLabel", required=True, enum=BUDGET_LABELS),
        col("budget_type", "budgetType", comment="Default or Override"),
        col(
            "budget_limit",
            "limit",
            "float",
            comment="spending limit per budget_window, in the deployment's currency (US dollars)",
        ),
        col("budget_window", "window", comment="the period a limit covers: monthly"),
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "billing_tags",
        "cost",
        "/api/cost/v1/billingtags",
        list_keys=("billingTags",),
        pagination="none",
        table=table(
            "billing_tags",
            col("tag", "tag", required=True),
            col("tag_id", "tagId"),
            col("active", "active", "bool"),
            key=("tag",),
            comment="Domino lists active tags only",
        ),
    ),
    Endpoint(
        "billing_tag_details",
        "cost",
        "/api/cost/v1/billingtags/{tag}",
        list_keys=("billingTag",),
        pagination="single",
        parent=child_of("billing_tags", "tag", "tag", path_param="tag"),
        missing_ok=True,
        table=table(
            "billing_tag_details",
            col("tag", "tag", required=True),
            col("tag_id", "tagId"),
            col("active", "active", "bool"),
            key=("tag",),
            comment="each listed tag with its id (the list sends names only; budget overrides use the id)",
        ),
    ),
    Endpoint(
        "billing_tag_settings",
        "cost",
        "/api/cost/v1/billingtagSettings",
        pagination="single",
        list_keys=("billingTagSettings", "settings"),
        admin_only=True,
        table=table(
            "billing_tag_settings",
            col("mode", "mode", enum=BILLING_TAG_MODES),
            col("notifications", "notifications", "bool"),
            key=(),
            comment="one row; mode casing varies (required/Required): normalise downstream",
        ),
    ),
    Endpoint(
        "billing_tag_settings_mode",
        "cost",
        "/api/cost/v1/billingtagSettings/mode",
        pagination="single",
        admin_only=True,
        missing_ok=True,
        table=table(
            "billing_tag_settings_mode",
            col("mode", "mode", enum=BILLING_TAG_MODES),
            key=(),
            comment="only in the 5.11 spec; a 404 on 6.x leaves the table empty",
        ),
    ),
    Endpoint(
        "budget_defaults",
        "cost",
        "/v4/cost/budgets/defaults",
        pagination="none",
        admin_only=True,
        missing_ok=True,
        table=table(
            "budget_defaults",
            *_budget_columns(),
            key=("budget_label",),
            comment="one default budget per label type; budget_limit NULL where none is assigned; "
            "a 404 (Domino without budgets) leaves the table empty",
        ),
    ),
    Endpoint(
        "budget_overrides",
        "cost",
        "/v4/cost/budgets/overrides",
        pagination="none",
        admin_only=True,
        missing_ok=True,
        table=table(
            "budget_overrides",
            col(
                "label_id",
                "labelId",
                required=True,
                comment="the project id, organization id or billing tag's tag_id the budget applies to",
            ),
            *_budget_columns(),
            key=("label_id",),
            comment="one budget per project, organization or billing tag that differs from the default",
        ),
    ),
    Endpoint(
        "budget_alerts_settings",
        "cost",
        "/v4/cost/budgets/global/alertsSettings",
        pagination="single",
        admin_only=True,
        missing_ok=True,
        table=table(
            "budget_alerts_settings",
            col("alerts_enabled", "alertsEnabled", "bool"),
            col("notify_org_owner", "notifyOrgOwner", "bool"),
            col("alert_targets", "alertTargets", "json", comment="[{label, emails[]}] per label type"),
            key=(),
            comment="one row: whether budget alerts are sent, and to whom",
        ),
    ),
    Endpoint(
        "cost_allocation",
        "cost",
        "/api/cost/v1/allocation",
        list_keys=("data",),
        pagination="none",
        partitioned="daily",
        window="cost_allocation",
        window_column="window_start",
        fresh_within_days=3,
        admin_only=True,
        table=table(
            "cost_allocation",
            *cost_columns(),
            key=("name", "window_start"),
            transform="cost_allocation",
            checks=("cost_parts_add_up",),
        ),
    ),
    Endpoint(
        "cost_allocation_summary",
        "cost",
        "/api/cost/v1/allocation/summary",
        list_keys=("data",),
        pagination="none",
        partitioned="daily",
        window="cost_allocation",
        window_column="window_start",
        total_matches="cost_allocation",
        admin_only=True,
        table=table(
            "cost_allocation_summary",
            *cost_columns(),
            key=("name", "window_start"),
            transform="cost_allocation",
            checks=("costs_not_negative",),
        ),
    ),
    Endpoint(
        "cost_assets",
        "cost",
        "/api/cost/v1/asset",
        list_keys=("data",),
        pagination="none",
        partitioned="daily",
        window="cost_assets",
        window_column="window_start",
        admin_only=True,
        table=table(
            "cost_assets",
            col("name", "name", required=True),
            col("type", "type", "str", "assetType"),
            col("window_start", "window.start", "timestamp", "start", required=True),
            col("window_end", "window.end", "timestamp", "end"),
            col("cpu_cost", "cpuCost", "float", "cpu.cost"),
            col("gpu_cost", "gpuCost", "float", "gpu.cost"),
            col("ram_cost", "ramCost", "float", "ram.cost"),
            col("total_cost", "totalCost", "float"),
            col("provider", "properties.provider"),
            col("category", "properties.category"),
            col("provider_id", "properties.providerId"),
            col("node_pool", "labels.label_dominodatalab_com_node_pool"),
            key=("name", "window_start"),
        ),
    ),
)
