"""Hardware tiers: the price (cents per minute) and size of every compute tier."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "hardware_tiers",
        "hardware_tiers",
        "/api/hardwaretiers/v1/hardwaretiers",
        list_keys=("hardwareTiers",),
        params={"includeArchived": "true"},
        table=table(
            "hardware_tiers",
            ID,
            col("name", "name"),
            col("cents_per_minute", "centsPerMinute", "float"),
            col("cores", "resources.cores", "float", "cores"),
            col("memory_value", "resources.memory.value", "float", "memoryMb"),
            col("memory_units", "resources.memory.units"),
            col("gpu_count", "gpuConfiguration.numberOfGpus", "int", "gpu", "gpuCount"),
            col("gpu_key", "gpuConfiguration.gpuKey"),
            col("is_archived", "flags.isArchived", "bool", "isArchived"),
            col("is_default", "flags.isDefault", "bool", "isDefault"),
            col("node_pool", "nodePool"),
            col("creation_time", "creationTime", "timestamp"),
            col("update_time", "updateTime", "timestamp"),
        ),
    ),
)
