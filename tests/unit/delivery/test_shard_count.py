"""Fan-out shards follow the node's subscriber count: one job per channel for a small population, 32 at most."""

from airwarn.delivery.fanout import FANOUT_SHARDS, SHARD_SUBSCRIBERS, shard_count


def test_shards_grow_with_subscribers_up_to_the_cap() -> None:
    assert shard_count(0) == 1
    assert shard_count(SHARD_SUBSCRIBERS) == 1
    assert shard_count(SHARD_SUBSCRIBERS + 1) == 2
    assert shard_count(1_000_000) == FANOUT_SHARDS
    assert shard_count(10_000_000) == FANOUT_SHARDS
