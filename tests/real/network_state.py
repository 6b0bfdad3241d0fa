"""What a container run could leave behind on the host's network: read only, nothing is changed here."""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
from pathlib import Path


def _bridges() -> set[str]:
    return {p.name for p in Path("/sys/class/net").iterdir() if (p / "bridge").exists()}


def _private_addresses() -> set[str]:
    if not shutil.which("ip"):
        return set()
    done = subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True, check=False)
    found = set()
    for link in json.loads(done.stdout or "[]"):
        for addr in link.get("addr_info", []):
            ip = ipaddress.ip_address(addr["local"])
            if ip.version == 4 and ip.is_private and not ip.is_loopback:
                found.add(f"{link['ifname']}:{ip}")
    return found


def _forwarding() -> str:
    return Path("/proc/sys/net/ipv4/ip_forward").read_text().strip()


def _firewall_tables() -> set[str]:
    if shutil.which("nft"):
        done = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=False)
        return {line.strip() for line in done.stdout.splitlines() if line.strip()}
    tables = set()
    for tool in ("iptables-save", "ip6tables-save"):
        if shutil.which(tool):
            done = subprocess.run([tool], capture_output=True, text=True, check=False)
            tables |= {f"{tool}:{line[1:]}" for line in done.stdout.splitlines() if line.startswith("*")}
    return tables


def network_state() -> dict:
    return {"bridges": _bridges(), "private": _private_addresses(), "ip_forward": _forwarding(),
            "tables": _firewall_tables()}
