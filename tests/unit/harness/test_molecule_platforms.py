"""Molecule platforms are compact and their flags live in one place.

Every scenario lists platforms with the keys molecule/_shared/playbooks/create.yml reads
(name, image, groups, networks, docker_networks, env, labels); the container flags of each
kind are in molecule/_shared/vars/platforms.yml. Each scenario owns one network on the
subnet CONTRIBUTING.md gives it, and every platform has a fixed address in it.
"""

import ipaddress
import re
from pathlib import Path

import pytest
import yaml

TOP = Path(__file__).resolve().parents[3]
SHARED = yaml.safe_load((TOP / "molecule/_shared/vars/platforms.yml").read_text())
BASE = yaml.safe_load((TOP / ".config/molecule/config.yml").read_text())
SCENARIOS = sorted(p.parent.name for p in TOP.glob("molecule/*/molecule.yml"))
KIND_LABEL = "onprem.wandb.test.kind"


def scenario(name: str) -> dict:
    return yaml.safe_load((TOP / "molecule" / name / "molecule.yml").read_text())


def contributing_subnets() -> dict[str, str]:
    """scenario -> subnet from the subnet table of CONTRIBUTING.md."""
    rows = re.findall(
        r"^\s*\|\s*(\d+\.\d+\.\d+\.\d+/\d+)\s*\|\s*molecule `(\w+)`",
        (TOP / "CONTRIBUTING.md").read_text(),
        re.M,
    )
    return {name: subnet for subnet, name in rows}


def test_every_scenario_uses_the_shared_create_and_destroy():
    playbooks = BASE["provisioner"]["playbooks"]
    assert playbooks["create"] == "../_shared/playbooks/create.yml"
    assert playbooks["destroy"] == "../_shared/playbooks/destroy.yml"
    for name in SCENARIOS:
        assert "playbooks" not in (scenario(name).get("provisioner") or {}), name
        assert "driver" not in scenario(name), name


@pytest.mark.parametrize("name", SCENARIOS)
def test_platforms_are_compact_and_of_a_known_kind(name):
    platforms = scenario(name)["platforms"]
    assert platforms
    for platform in platforms:
        assert set(platform) <= set(SHARED["owt_platform_keys"]), (name, platform)
        assert platform["image"], platform
        kind = (platform.get("labels") or {}).get(KIND_LABEL, "host")
        assert kind in SHARED["owt_platform_kinds"], (name, platform["name"], kind)


@pytest.mark.parametrize("name", SCENARIOS)
def test_one_network_on_the_scenarios_subnet_with_fixed_addresses(name):
    platforms = scenario(name)["platforms"]
    networks = [n for p in platforms for n in p.get("docker_networks", [])]
    assert len(networks) == 1, (name, networks)
    subnet = networks[0]["ipam_config"][0]["subnet"]
    assert contributing_subnets().get(name) == subnet, (name, subnet)
    addresses = []
    for platform in platforms:
        (attachment,) = platform["networks"]
        assert attachment["name"] == networks[0]["name"], platform["name"]
        address = ipaddress.ip_address(attachment["ipv4_address"])
        assert address in ipaddress.ip_network(subnet), platform["name"]
        addresses.append(address)
    assert len(set(addresses)) == len(addresses), name


def test_subnets_are_not_shared():
    subnets = [
        n["ipam_config"][0]["subnet"]
        for name in SCENARIOS
        for p in scenario(name)["platforms"]
        for n in p.get("docker_networks", [])
    ]
    assert len(set(subnets)) == len(subnets), subnets


def test_systemd_hosts_share_one_definition():
    kinds = SHARED["owt_platform_kinds"]
    assert kinds["host"] == "{{ owt_systemd_host }}"
    assert kinds["docker_host"] == "{{ owt_systemd_host | combine(owt_docker_inside) }}"
    host = SHARED["owt_systemd_host"]
    assert host["command"] == "/lib/systemd/systemd"
    assert host["cgroupns_mode"] == "host"
    inside = SHARED["owt_docker_inside"]
    assert inside["security_opts"] == ["seccomp=unconfined"]
    assert set(host["volumes"]) < set(inside["volumes"])
    assert "/var/lib/docker" in inside["volumes"]
    assert SHARED["owt_labels"]["onprem.wandb.test"] == "true"


def test_a_scenario_boots_debian_13():
    images = {p["image"] for name in SCENARIOS for p in scenario(name)["platforms"]}
    assert "onprem-wandb-test/debian:13" in images
