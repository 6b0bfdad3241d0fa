"""Last in the lane: the builds and runs left no bridge, private address, forwarding or firewall table behind.

Containers here use the host's network only (``--network host``); this catches anything that quietly made one
of its own (podman's Docker-compatible API did: a 10.88.0.0/16 bridge, ip_forward=1 and nft tables).
"""

from __future__ import annotations

from tests.real.network_state import network_state


def test_no_bridge_address_forwarding_or_firewall_table_was_left(engine, network_baseline):
    now = network_state()
    assert now["bridges"] - network_baseline["bridges"] == set(), "a bridge interface appeared"
    assert now["private"] - network_baseline["private"] == set(), "a private-range address appeared"
    assert not (now["ip_forward"] == "1" and network_baseline["ip_forward"] != "1"), "IP forwarding was switched on"
    assert now["tables"] - network_baseline["tables"] == set(), "firewall tables appeared"
