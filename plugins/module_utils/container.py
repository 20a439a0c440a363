# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers behind the ``wandb_container`` module: no Docker, no Ansible.

Kept apart from the module so the parts that decide what counts as a secret,
what counts as a change and how an env file is read can be unit-tested
without an engine.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import (
    SECRET_ENV_KEYS,
    SECRET_KEY_PATTERN,
)

MASK = "********"

# Which W&B variables carry credentials is W&B knowledge: it lives in
# wandb_config, with the rest of W&B's names.
DEFAULT_SECRET_ENV_KEYS = SECRET_ENV_KEYS

_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_PORT_SPEC = re.compile(
    r"^(?:(?P<ip>\[[0-9a-fA-F:]+\]|[0-9.]+|[A-Za-z0-9.-]*):)?"
    r"(?:(?P<host>\d{1,5}):)?(?P<container>\d{1,5})(?:/(?P<proto>tcp|udp|sctp))?$"
)

CONFIG_HASH_LABEL = "onprem.wandb.config-hash"
ENV_KEYS_LABEL = "onprem.wandb.env-keys"
LABEL_KEYS_LABEL = "onprem.wandb.label-keys"
MANAGED_LABEL = "onprem.wandb.managed"


class ContainerSpecError(ValueError):
    """Input the module cannot turn into a container definition."""


def parse_env_file(text, source="env_file"):
    """Parse ``KEY=VALUE`` lines into an ordered list of ``(key, value)``.

    Values are taken literally (no shell quoting or expansion), because the
    server role writes them that way and Docker's ``--env-file`` reads them
    that way. Error messages name the line number, never the value.
    """
    seen = {}
    pairs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "=" not in line:
            raise ContainerSpecError(
                "%s line %d is not KEY=VALUE (no '=' found)" % (source, number)
            )
        key, value = line.split("=", 1)
        key = key.strip()
        if not _ENV_KEY.match(key):
            raise ContainerSpecError(
                "%s line %d: %r is not a valid variable name" % (source, number, key)
            )
        if key in seen:
            raise ContainerSpecError(
                "%s line %d: %s is already set on line %d; set each variable once"
                % (source, number, key, seen[key])
            )
        seen[key] = number
        pairs.append((key, value))
    return pairs


def is_secret_key(key, secret_keys=DEFAULT_SECRET_ENV_KEYS):
    return key in secret_keys or bool(SECRET_KEY_PATTERN.search(key))


def secret_values(env, secret_keys=DEFAULT_SECRET_ENV_KEYS):
    """The values that must never appear in output, longest first."""
    values = {v for k, v in env.items() if v and is_secret_key(k, secret_keys)}
    return sorted(values, key=len, reverse=True)


def mask_env(env, secret_keys=DEFAULT_SECRET_ENV_KEYS, changed=()):
    """A copy of ``env`` with secret values replaced by ``MASK``.

    Keys in ``changed`` get ``MASK (changed)`` so a diff still shows that a
    secret moved without showing either value.
    """
    out = {}
    for key in sorted(env):
        if is_secret_key(key, secret_keys):
            out[key] = MASK + " (changed)" if key in changed else MASK
        else:
            out[key] = env[key]
    return out


def mask_text(text, values):
    """Replace every occurrence of each secret value in ``text``."""
    for value in sorted(set(values), key=len, reverse=True):
        if value:
            text = text.replace(value, MASK)
    return text


def changed_keys(before, after):
    """Keys added, removed or with a different value, sorted."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k))


def parse_mount(spec):
    """``HOST:CONTAINER[:ro|rw]`` into ``(host, container, mode)``."""
    parts = str(spec).split(":")
    if len(parts) == 2:
        parts.append("rw")
    if len(parts) != 3 or parts[2] not in ("ro", "rw"):
        raise ContainerSpecError(
            "mount %r must be HOST:CONTAINER or HOST:CONTAINER:ro|rw" % (spec,)
        )
    host, container, mode = parts
    if not host.startswith("/") or not container.startswith("/"):
        raise ContainerSpecError(
            "mount %r: both paths must be absolute (named volumes are not used: "
            "W&B data lives in a host directory the roles back up)" % (spec,)
        )
    return host, container, mode


def parse_port(spec):
    """``[IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]`` into ``(ip, host_port, port/proto)``."""
    m = _PORT_SPEC.match(str(spec))
    if not m:
        raise ContainerSpecError(
            "published port %r must be [IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]" % (spec,)
        )
    ip = (m.group("ip") or "").strip("[]")
    host = m.group("host")
    # "IP:PORT" is ambiguous with "HOST_PORT:CONTAINER_PORT"; Docker reads
    # two numeric parts as ports, and so do we.
    if host is None and ip and ip.isdigit():
        host, ip = ip, ""
    for port in (host, m.group("container")):
        if port is not None and not 0 < int(port) < 65536:
            raise ContainerSpecError("published port %r: %s is not a port" % (spec, port))
    if host is None:
        raise ContainerSpecError(
            "published port %r needs a host port: W&B is reached on a fixed port" % (spec,)
        )
    return ip, int(host), "%s/%s" % (m.group("container"), m.group("proto") or "tcp")


def port_bindings(specs):
    """Docker SDK ``ports=`` from the specs, several host bindings per port allowed."""
    out = {}
    for spec in specs:
        ip, host, cport = parse_port(spec)
        out.setdefault(cport, []).append((ip, host) if ip else host)
    return out


def config_hash(config):
    """sha256 over a canonical JSON rendering of ``config``.

    ``config`` holds the raw env values, so only the digest may leave the
    module; the digest is stored as a container label.
    """
    blob = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def image_version(reference, labels=None):
    """The release a container runs: the OCI version label, else the tag."""
    labels = labels or {}
    version = labels.get("org.opencontainers.image.version")
    if version:
        return version
    ref = str(reference or "").split("@", 1)[0]
    name_part = ref.rsplit("/", 1)[-1]
    if ":" in name_part:
        return name_part.rsplit(":", 1)[1]
    return None


def normalize_image_id(image_id):
    image_id = str(image_id or "").strip().lower()
    if image_id and not image_id.startswith("sha256:"):
        image_id = "sha256:" + image_id
    return image_id


def image_id_matches(expected, actual):
    """Full IDs must be equal; a short ID (12+ hex digits) must be a prefix."""
    expected = normalize_image_id(expected)
    actual = normalize_image_id(actual)
    if len(expected) < len("sha256:") + 12:
        raise ContainerSpecError(
            "image_id %r is too short: give at least 12 hex digits" % (expected,)
        )
    return actual.startswith(expected)


# How a network the container is not attached to shows in the module's diff.
DETACHED = " (detached)"
# Network modes that are not a user-defined network the module can check.
_BUILTIN_NETWORK_MODES = ("default", "bridge", "host", "none")


def network_as_attached(network_mode, networks, network_id):
    """The container's user-defined network as it really is, for ``describe()``.

    ``network_mode`` is ``HostConfig.NetworkMode``, what the container was
    created with; ``networks`` is ``NetworkSettings.Networks``, what it is
    attached to now; ``network_id`` is the ID of the network of that name on
    the engine today (None when there is none). Docker leaves NetworkMode alone
    when a container loses its network, so only the attachment tells:

    - a network recreated (community.docker.docker_network does, when its
      subnet or gateway changes) first disconnects every running container:
      the name is gone from ``networks``;
    - a stopped container keeps the old network's ID, which no longer exists:
      Docker refuses to start it.

    Either way the result is the name with ``DETACHED`` appended, so the
    container shows as different and is replaced onto the network. The
    default bridge and the special modes are returned as they are.
    """
    if not is_user_network(network_mode):
        return None if network_mode in ("default", "bridge", None, "") else network_mode
    endpoint = (networks or {}).get(network_mode)
    if endpoint is None or network_id is None:
        return network_mode + DETACHED
    # A container created but never started may not carry the ID yet: Docker
    # resolves the name when it starts.
    attached_id = endpoint.get("NetworkID") or network_id
    if attached_id != network_id:
        return network_mode + DETACHED
    return network_mode


def is_user_network(network_mode):
    """A user-defined network, the only kind whose attachment is checked."""
    return bool(network_mode) and not (
        network_mode in _BUILTIN_NETWORK_MODES or network_mode.startswith("container:")
    )


def is_detached(network):
    return bool(network) and network.endswith(DETACHED)
