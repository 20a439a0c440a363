#!/usr/bin/python
# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wandb_container
short_description: Run the W&B Server container, replace it on change, wait for /ready
version_added: 0.1.0
description:
  - Creates, replaces or removes the C(wandb/local) container on the Docker engine of the target.
  - The container carries a label C(onprem.wandb.config-hash), a sha256 over the image ID, the
    env file's content, mounts, published ports, network, extra hosts, user, restart policy,
    log options and labels. Same hash, running and attached to O(network) means nothing to do. A
    different hash, or a container no longer attached to its network, means the old container is
    stopped and removed before the new one starts (stop-then-start), then the module waits until
    C(ready_url) answers HTTP 200.
  - Why a custom module and not M(community.docker.docker_container), which does most of this
    (it also reads an C(env_file) on the target and can recreate a container on change). What it
    does not do, and W&B needs, is this module's own part. Its diff and results show the
    environment, so every secret (the C(LICENSE), and the C(MYSQL), C(REDIS) and C(BUCKET) URLs
    with passwords) would reach C(--diff) output and callbacks unless the whole task is
    C(no_log), which hides the diff too; this module masks secret values and still names the
    keys that changed. It has no readiness gate tied to replacement; the first start after an
    upgrade runs database migrations for up to ten minutes, so a replacement is only done when the
    new container answers C(/ready). And it does not roll back; when Docker refuses to create or
    start the replacement (a bad network, a port taken), this module puts the previous container
    back; when the replacement starts but never gets ready, it fails with the container's status
    and masked logs and leaves it for inspection, because its migrations may already have moved
    the schema and only a database restore can undo that.
  - The module does not pull or load images. Get the image onto the host first
    (M(community.docker.docker_image_load) for air-gapped archives, or
    M(community.docker.docker_image)).
author:
  - onprem.wandb contributors (@onprem)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - onprem.wandb.docker_engine
attributes:
  check_mode:
    support: full
    details:
      - When the image is not on the host yet (an earlier task would load it), check mode
        reports a change and warns instead of failing.
  diff_mode:
    support: full
    details:
      - C(before) and C(after) describe the container; env values of secret keys show as
        C(********), and as C(******** (changed)) in C(after) when the value changed.
  platform:
    platforms: posix
options:
  name:
    description: Container name.
    type: str
    default: wandb
  state:
    description:
      - V(started) creates or replaces the container as needed and makes sure it runs.
      - V(absent) stops and removes it. The data under the host side of its mounts is kept.
    type: str
    choices: [started, absent]
    default: started
  image:
    description:
      - Image reference, for example V(wandb/local:0.83.0) or
        V(registry.example.com/wandb/local:0.83.0).
      - Must already be on the host. Required when O(state=started).
    type: str
  image_id:
    description:
      - Expected ID of the local image (V(sha256:...), or at least 12 hex digits).
      - When the image that O(image) names has another ID the module fails without touching the
        container, because an air-gapped archive that does not match its checksum must not run.
    type: str
  env_file:
    description:
      - Path on the target of a file of C(KEY=VALUE) lines, the container's whole environment.
      - Values are taken literally (no quotes, no expansion); C(#) comments and blank lines are
        ignored; a variable set twice is an error.
      - Read on the target, so secrets never travel in module arguments. Keep it mode 0600; the
        module warns when group or others can read it.
      - Required when O(state=started).
    type: path
  secret_env_keys:
    description:
      - Variables whose values are masked in diff, results and logs and registered as no_log
        values.
      - Any key matching C(PASSWORD), C(SECRET), C(TOKEN) or ending in C(_KEY) is masked too.
    type: list
    elements: str
    default: [LICENSE, MYSQL, REDIS, BUCKET, GORILLA_LIMITER, OIDC_SECRET, GORILLA_OIDC_SECRET,
              AZURE_STORAGE_KEY, GORILLA_EMAIL_SINK, LOCAL_LDAP_BIND_PW]
  mounts:
    description: Bind mounts, C(HOST:CONTAINER[:ro|rw]), both paths absolute.
    type: list
    elements: str
    default: []
  published_ports:
    description:
      - Ports as C([IP:]HOST_PORT:CONTAINER_PORT[/PROTO]), for example V(127.0.0.1:8080:8080).
      - Bind to V(127.0.0.1) when a proxy on the same host fronts W&B.
    type: list
    elements: str
    default: []
  network:
    description:
      - A user-defined bridge network to attach the container to.
      - Docker's default bridge when unset.
      - The container's actual attachment is checked, not only the network it was created with.
        A container that is not attached to the network of that name any more is replaced, and
        the diff shows C(before.network) as C(<network> (detached)). That happens when the
        network is recreated (M(community.docker.docker_network) disconnects every container
        when a subnet or gateway changes, and never reconnects them; a stopped container keeps the
        old network's ID and Docker refuses to start it).
    type: str
  extra_hosts:
    description: Extra C(/etc/hosts) entries, name to address, for sites without internal DNS.
    type: dict
    default: {}
  user:
    description: User (and group) the container runs as, for example V(999) or V(100000:0).
    type: str
  restart_policy:
    description: Docker restart policy.
    type: str
    choices: ['no', always, unless-stopped, on-failure]
    default: unless-stopped
  log_max_size:
    description: C(max-size) of the json-file log driver.
    type: str
    default: 50m
  log_max_file:
    description: C(max-file) of the json-file log driver.
    type: int
    default: 5
  labels:
    description: Extra container labels.
    type: dict
    default: {}
  security_opts:
    description:
      - Docker security options. V(no-new-privileges) keeps a process in the container from
        gaining privileges through setuid binaries.
    type: list
    elements: str
    default: [no-new-privileges]
  cap_drop:
    description: Linux capabilities removed from the container. W&B runs as an unprivileged user on
      unprivileged ports and needs none.
    type: list
    elements: str
    default: [ALL]
  cap_add:
    description: Linux capabilities given back after O(cap_drop).
    type: list
    elements: str
    default: []
  memory:
    description:
      - Memory limit, for example V(12g) or V(8192m). Keeps a runaway W&B from taking the memory
        of a MySQL or Redis on the same host. Empty means no limit.
    type: str
    default: ""
  pids_limit:
    description: Most processes the container may run; V(0) means no limit.
    type: int
    default: 0
  stop_timeout:
    description: Seconds W&B gets to shut down before it is killed, when replaced or removed.
    type: int
    default: 60
  wait_ready:
    description:
      - Wait for O(ready_url) to answer HTTP 200 after the container was created, replaced or
        started, and also when nothing changed but the container is not ready yet.
    type: bool
    default: true
  ready_url:
    description:
      - URL fetched from the target; it must reach a published port.
    type: str
    default: http://127.0.0.1:8080/ready
  ready_timeout:
    description:
      - Seconds to wait for readiness. The first start after an upgrade runs migrations, which
        may take ten minutes.
      - When the time runs out the module fails with the last HTTP status and body and the last
        40 lines of the container log (secrets masked), and leaves the container in place.
    type: int
    default: 900
  ready_interval:
    description: Seconds between readiness probes.
    type: int
    default: 5
  strategy:
    description:
      - How a running container is replaced when its configuration or release changes.
      - V(recreate) stops the old container, then starts the new one (two releases never share
        C(/vol)); the site is down for the start and any migrations.
      - V(blue_green) starts the new release as O(standby_name) on O(standby_published_ports)
        beside the old one, waits for it on O(standby_ready_url), runs O(cutover_command) with the
        standby's address, waits O(drain_seconds), removes the old container, then starts the
        final container under O(name) on O(published_ports) (same release, no migrations left),
        cuts over to it and removes the standby. Only safe when W&B keeps no state under
        C(/vol) besides C(/vol/env) (a bucket is configured), because both containers mount it.
      - When the standby never gets ready, its logs are written to O(logs_dir), it is removed, and
        the old container, which never stopped, keeps serving; RV(rolled_back) is true.
    type: str
    choices: [recreate, blue_green]
    default: recreate
  standby_name:
    description: Name of the standby container of O(strategy=blue_green). Default C(<name>-next).
    type: str
  standby_published_ports:
    description:
      - Ports of the standby container, as O(published_ports); the first one is the address
        handed to O(cutover_command). Required with O(strategy=blue_green).
    type: list
    elements: str
    default: []
  standby_ready_url:
    description: The standby's readiness URL. Required with O(strategy=blue_green).
    type: str
  cutover_command:
    description:
      - Command (argv) run on the target to point the proxy at a container; the module appends
        C(IP:PORT) of the container to serve. It must validate the new proxy configuration,
        reload gracefully and exit non-zero when it could not. Required with O(strategy=blue_green).
    type: list
    elements: str
    default: []
  drain_seconds:
    description: Seconds the old container keeps running after a cut-over, for requests in flight.
    type: int
    default: 10
  logs_dir:
    description:
      - Directory on the target where the whole log (secrets masked) of a container that did not
        get ready is kept, as C(<name>-<version>-<UTC time>.log). Not written when unset.
    type: path
  progress_file:
    description:
      - File on the target the module rewrites while it waits for readiness, one JSON object with
        C(phase), C(container), C(elapsed) seconds and the container's C(last_log) line (secrets
        masked). Lets a caller that runs the module asynchronously show progress.
    type: path
notes:
  - Only one W&B container may use a C(/vol) directory at a time, so O(strategy=recreate) stops the
    old container before the new one starts. Expect downtime for the length of the start and any
    migrations.
  - A container that runs unchanged but is not ready yet (a run interrupted during migrations) is
    waited for up to O(ready_timeout) when O(wait_ready) is true.
  - Containers an interrupted replacement left behind (C(<name>-replaced-<id>), the standby) are
    reported in RV(leftovers) and removed.
  - A container detached from O(network) is replaced with O(strategy=recreate) even when
    O(strategy=blue_green) is asked for, because without its network it serves nothing.
seealso:
  - module: community.docker.docker_container
  - module: community.docker.docker_image_load
"""

EXAMPLES = r"""
- name: Run W&B Server
  onprem.wandb.wandb_container:
    image: wandb/local:0.83.0
    image_id: "{{ wandb_server_image_id | default(omit) }}"
    env_file: /etc/wandb/wandb.env
    mounts:
      - /var/lib/wandb/vol:/vol
      - /etc/wandb/ca/customCA0.crt:/usr/local/share/ca-certificates/customCA0.crt:ro
    published_ports:
      - 127.0.0.1:8080:8080
    network: wandb
    extra_hosts:
      mysql.internal: 172.30.99.1
  register: wandb_container

- name: Show the running release
  ansible.builtin.debug:
    msg: "W&B {{ wandb_container.version }} ({{ wandb_container.image_id }})"

- name: Remove the container, keep the data
  onprem.wandb.wandb_container:
    name: wandb
    state: absent
"""

RETURN = r"""
container:
  description:
    - The container after the run.
    - Empty when O(state=absent), or in check mode before creation.
  returned: always
  type: dict
  contains:
    id: {description: Container ID., type: str}
    name: {description: Container name., type: str}
    image: {description: Image reference it was created from., type: str}
    image_id: {description: Image ID it runs., type: str}
    status:
      description: Docker status, for example V(running) or V(exited).
      type: str
  sample:
    id: 3f1c...
    name: wandb
    image: wandb/local:0.83.0
    image_id: sha256:9a1e...
    status: running
version:
  description: The release, from the image label C(org.opencontainers.image.version), else the tag.
  returned: when O(state=started)
  type: str
  sample: 0.83.0
image_id:
  description: ID of the image the container runs (or would run).
  returned: when O(state=started)
  type: str
  sample: sha256:9a1e0c...
recreated:
  description: Whether the container was (or would be) created or replaced.
  returned: always
  type: bool
ready:
  description:
    - Whether O(ready_url) answered HTTP 200.
    - V(null) when not checked (check mode, O(wait_ready=false)).
  returned: always
  type: bool
previous_image_id:
  description: Image ID of the container that was replaced or removed.
  returned: when a container was replaced or removed
  type: str
changed_env_keys:
  description: Env variables added, removed or changed by this run (names only).
  returned: when O(state=started)
  type: list
  elements: str
  sample: [MYSQL, GORILLA_CORS_ORIGINS]
config_hash:
  description: The configuration hash stored in the container label C(onprem.wandb.config-hash).
  returned: when O(state=started)
  type: str
logs:
  description: Last 40 lines of the container log, secrets masked; only on readiness failure.
  returned: on readiness failure
  type: list
  elements: str
logs_file:
  description: Where the whole log of the container that did not get ready was kept (O(logs_dir)).
  returned: on readiness failure with O(logs_dir)
  type: str
leftovers:
  description:
    - Containers an interrupted replacement left behind, removed by this run (would be, in check
      mode).
  returned: always
  type: list
  elements: str
strategy:
  description: The strategy used for a replacement.
  returned: when O(state=started)
  type: str
rolled_back:
  description:
    - True when a O(strategy=blue_green) standby never got ready and was removed while the old
      container kept serving. Its migrations may have moved the database schema.
  returned: on failure
  type: bool
timings:
  description: Seconds spent waiting for readiness (C(ready_wait_s)) and draining (C(drain_s)).
  returned: always
  type: dict
cutovers:
  description: The C(IP:PORT) addresses O(cutover_command) was run with, in order.
  returned: when O(state=started)
  type: list
  elements: str
"""

# ansible-test (validate-modules) requires imports below DOCUMENTATION/EXAMPLES/RETURN,
# which is what E402 flags.
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

from ansible.module_utils.basic import AnsibleModule, missing_required_lib  # noqa: E402
from ansible.module_utils.common.text.converters import to_native, to_text  # noqa: E402
from ansible.module_utils.common.text.formatters import human_to_bytes  # noqa: E402
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError  # noqa: E402
from ansible.module_utils.urls import open_url  # noqa: E402
from ansible_collections.onprem.wandb.plugins.module_utils.container import (  # noqa: E402
    CONFIG_HASH_LABEL,
    DEFAULT_SECRET_ENV_KEYS,
    ENV_KEYS_LABEL,
    LABEL_KEYS_LABEL,
    MANAGED_LABEL,
    ContainerSpecError,
    changed_keys,
    config_hash,
    image_id_matches,
    image_version,
    is_detached,
    is_user_network,
    mask_env,
    mask_text,
    network_as_attached,
    parse_env_file,
    parse_mount,
    parse_port,
    port_bindings,
    secret_values,
)

try:
    import docker
    from docker.errors import DockerException, ImageNotFound, NotFound

    HAS_DOCKER = True
    DOCKER_IMPORT_ERROR = None
except ImportError:
    HAS_DOCKER = False
    DOCKER_IMPORT_ERROR = traceback.format_exc()

LOG_TAIL = 40
INTERNAL_LABELS = (CONFIG_HASH_LABEL, ENV_KEYS_LABEL, LABEL_KEYS_LABEL, MANAGED_LABEL)


def _norm_port(spec):
    ip, host, cport = parse_port(spec)
    port, proto = cport.split("/")
    suffix = "" if proto == "tcp" else "/" + proto
    return "%s%d:%s%s" % (ip + ":" if ip else "", host, port, suffix)


def _norm_mount(spec):
    return "%s:%s:%s" % parse_mount(spec)


class WandbContainer(object):
    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.secret_keys = tuple(self.p["secret_env_keys"])
        self.result = {
            "changed": False,
            "recreated": False,
            "ready": None,
            "container": {},
            "leftovers": [],
            "timings": {"ready_wait_s": 0.0, "drain_s": 0.0},
        }
        self.started_at = time.time()
        self.secrets = []
        try:
            self.client = docker.DockerClient(
                base_url=self.p["docker_host"], version="auto", timeout=self.p["api_timeout"]
            )
            self.client.ping()
        except DockerException as e:
            self.fail(
                "cannot reach the Docker engine at %s: %s. Is the engine installed and running "
                "(role onprem.wandb.docker)?" % (self.p["docker_host"], to_native(e))
            )

    def fail(self, msg, **kwargs):
        result = dict(self.result)
        result.update(kwargs)
        result["msg"] = mask_text(msg, self.secrets)
        self.module.fail_json(**result)

    def protect(self, env):
        """Register secret values so Ansible itself masks them in any output."""
        for value in secret_values(env, self.secret_keys):
            self.module.no_log_values.add(value)
        self.secrets = sorted(
            set(self.secrets) | set(secret_values(env, self.secret_keys)), key=len, reverse=True
        )

    # --- reading the current state -------------------------------------------------
    def get_container(self):
        try:
            return self.client.containers.get(self.p["name"])
        except NotFound:
            return None

    def network_id(self, name):
        """ID of the network called ``name`` on the engine now; None when there is none."""
        if not is_user_network(name):
            return None
        try:
            return self.client.networks.get(name).id
        except NotFound:
            return None
        except DockerException as e:
            self.fail("Docker refused to inspect network %s: %s" % (name, to_native(e)))

    def read_env_file(self):
        path = self.p["env_file"]
        try:
            with open(path, "rb") as f:
                text = to_text(f.read(), errors="surrogate_or_strict")
            mode = os.stat(path).st_mode
        except (IOError, OSError) as e:
            self.fail(
                "env_file %s cannot be read on the target: %s. Write it before this task "
                "(the server role does, mode 0600)." % (path, e.strerror or to_native(e))
            )
        try:
            pairs = parse_env_file(text, source="env_file %s" % path)
        except ContainerSpecError as e:
            self.fail(to_native(e))
        env = dict(pairs)
        self.protect(env)
        if mode & 0o077:
            self.module.warn(
                "env_file %s has mode %04o but holds secrets: make it 0600 (owner only)"
                % (path, mode & 0o7777)
            )
        return env

    def describe(self, container):
        """The managed settings of an existing container, as ``desired()`` renders them."""
        attrs = container.attrs
        cfg = attrs.get("Config") or {}
        host = attrs.get("HostConfig") or {}
        labels = dict(cfg.get("Labels") or {})
        env_all = dict(e.split("=", 1) if "=" in e else (e, "") for e in cfg.get("Env") or [])
        if ENV_KEYS_LABEL in labels:
            keys = [k for k in labels[ENV_KEYS_LABEL].split(",") if k]
            env = {k: env_all[k] for k in keys if k in env_all}
        else:
            env = env_all
        self.protect(env)
        if LABEL_KEYS_LABEL in labels:
            keys = [k for k in labels[LABEL_KEYS_LABEL].split(",") if k]
            user_labels = {k: labels[k] for k in keys if k in labels}
        else:
            # Not created by this module: labels the image set are not the container's own.
            image_labels = {}
            with contextlib.suppress(DockerException):
                image_labels = self.client.images.get(attrs.get("Image")).labels or {}
            user_labels = {
                k: v
                for k, v in labels.items()
                if k not in INTERNAL_LABELS and image_labels.get(k) != v
            }
        ports = []
        for cport, bindings in sorted((host.get("PortBindings") or {}).items()):
            port, proto = cport.split("/")
            for b in bindings or []:
                ip = b.get("HostIp") or ""
                spec = "%s%s:%s%s" % (
                    ip + ":" if ip else "",
                    b.get("HostPort"),
                    port,
                    "" if proto == "tcp" else "/" + proto,
                )
                ports.append(spec)
        mounts = []
        for bind in host.get("Binds") or []:
            parts = bind.split(":")
            mode = "ro" if len(parts) > 2 and "ro" in parts[2].split(",") else "rw"
            mounts.append("%s:%s:%s" % (parts[0], parts[1], mode))
        network = network_as_attached(
            host.get("NetworkMode"),
            (attrs.get("NetworkSettings") or {}).get("Networks"),
            self.network_id(host.get("NetworkMode")),
        )
        log_cfg = (host.get("LogConfig") or {}).get("Config") or {}
        return {
            "state": "running" if container.status in ("running", "restarting") else "stopped",
            "image": cfg.get("Image"),
            "image_id": attrs.get("Image"),
            "env": env,
            "mounts": sorted(mounts),
            "published_ports": sorted(ports),
            "network": network,
            "extra_hosts": dict(h.split(":", 1) for h in host.get("ExtraHosts") or [] if ":" in h),
            "user": cfg.get("User") or None,
            "restart_policy": (host.get("RestartPolicy") or {}).get("Name") or "no",
            "log_options": {
                "max-size": log_cfg.get("max-size"),
                "max-file": log_cfg.get("max-file"),
            },
            "security_opts": sorted(host.get("SecurityOpt") or []),
            "cap_drop": sorted(host.get("CapDrop") or []),
            "cap_add": sorted(host.get("CapAdd") or []),
            "memory": host.get("Memory") or 0,
            "pids_limit": host.get("PidsLimit") or 0,
            "labels": user_labels,
            "config_hash": labels.get(CONFIG_HASH_LABEL),
        }

    def desired(self, env, image_id, image_user=None):
        try:
            mounts = sorted(_norm_mount(m) for m in self.p["mounts"])
            ports = sorted(_norm_port(p) for p in self.p["published_ports"])
        except ContainerSpecError as e:
            self.fail(to_native(e))
        labels = {str(k): str(v) for k, v in self.p["labels"].items()}
        bad = sorted(k for k in labels if k in INTERNAL_LABELS)
        if bad:
            self.fail("labels %s are reserved for the module: remove them" % ", ".join(bad))
        want = {
            "state": "running",
            "image": self.p["image"],
            "image_id": image_id,
            "env": env,
            "mounts": mounts,
            "published_ports": ports,
            "network": self.p["network"] or None,
            "extra_hosts": {str(k): str(v) for k, v in self.p["extra_hosts"].items()},
            "user": self.p["user"] or None,
            "restart_policy": self.p["restart_policy"],
            "log_options": {
                "max-size": self.p["log_max_size"],
                "max-file": str(self.p["log_max_file"]),
            },
            "security_opts": sorted(self.p["security_opts"]),
            "cap_drop": sorted(c.upper() for c in self.p["cap_drop"]),
            "cap_add": sorted(c.upper() for c in self.p["cap_add"]),
            "memory": self.memory_bytes(),
            "pids_limit": self.p["pids_limit"],
            "labels": labels,
        }
        hashed = dict(want)
        for key in ("state", "image"):
            hashed.pop(key)
        # Shown as Docker will run it; hashed as asked, so the image's USER changing
        # (a new release) is covered by the image ID instead.
        want["user"] = want["user"] or image_user
        # Without the image ID (check mode, image not loaded yet) there is no hash to match.
        want["config_hash"] = config_hash(hashed) if image_id else None
        return want

    def memory_bytes(self):
        if not self.p["memory"]:
            return 0
        try:
            return human_to_bytes(self.p["memory"])
        except ValueError as e:
            self.fail("memory %r is not a size like 8g or 8192m: %s" % (self.p["memory"], e))

    def masked(self, desc, changed=()):
        if not desc:
            return {"state": "absent"}
        out = dict(desc)
        out["env"] = mask_env(desc["env"], self.secret_keys, changed)
        return out

    # --- acting ----------------------------------------------------------------------
    def create(self, want, env_pairs, name=None, ports=None):
        labels = dict(want["labels"])
        labels[CONFIG_HASH_LABEL] = want["config_hash"]
        labels[ENV_KEYS_LABEL] = ",".join(pair[0] for pair in env_pairs)
        labels[LABEL_KEYS_LABEL] = ",".join(sorted(want["labels"]))
        labels[MANAGED_LABEL] = "true"
        kwargs = {
            "image": want["image"],
            "name": name or self.p["name"],
            "detach": True,
            "environment": ["%s=%s" % kv for kv in env_pairs],
            "volumes": want["mounts"],
            "ports": port_bindings(want["published_ports"] if ports is None else ports),
            "extra_hosts": want["extra_hosts"] or None,
            "user": want["user"],
            "restart_policy": {"Name": want["restart_policy"]},
            "log_config": {"type": "json-file", "config": want["log_options"]},
            "labels": labels,
            "security_opt": want["security_opts"] or None,
            "cap_drop": want["cap_drop"] or None,
            "cap_add": want["cap_add"] or None,
        }
        if want["memory"]:
            kwargs["mem_limit"] = want["memory"]
        if want["pids_limit"]:
            kwargs["pids_limit"] = want["pids_limit"]
        if want["network"]:
            kwargs["network"] = want["network"]
        return self.client.containers.create(**kwargs)

    def stop_remove(self, container):
        container.stop(timeout=self.p["stop_timeout"])
        container.remove(v=False)

    def probe(self, timeout, url=None):
        """One GET of ready_url (or url): ``(ok, status, body)``."""
        try:
            resp = open_url(url or self.p["ready_url"], timeout=timeout, follow_redirects="none")
            return resp.getcode() == 200, resp.getcode(), to_text(resp.read(512))
        except HTTPError as e:
            body = ""
            with contextlib.suppress(Exception):
                # The body is only a hint for the failure message.
                body = to_text(e.read(512))
            return False, e.code, body
        except (URLError, OSError, ValueError) as e:
            return False, None, to_native(getattr(e, "reason", e))

    def last_log_line(self, container):
        try:
            raw = to_text(container.logs(tail=3), errors="surrogate_or_replace")
        except DockerException:
            return ""
        lines = [line for line in mask_text(raw, self.secrets).splitlines() if line.strip()]
        return lines[-1][-300:] if lines else ""

    def progress(self, phase, container):
        path = self.p["progress_file"]
        if not path:
            return
        doc = {
            "phase": phase,
            "container": container.name,
            "elapsed": int(time.time() - self.started_at),
            "last_log": self.last_log_line(container),
        }
        tmp = "%s.tmp" % path
        with contextlib.suppress(OSError):
            with open(tmp, "w") as f:
                json.dump(doc, f)
            os.chmod(tmp, 0o600)
            os.rename(tmp, path)

    def keep_logs(self, container):
        """The whole log of a container that failed, secrets masked, kept on the host."""
        if not self.p["logs_dir"]:
            return None
        try:
            raw = to_text(container.logs(), errors="surrogate_or_replace")
        except DockerException as e:
            raw = "(logs unavailable: %s)" % to_native(e)
        image = ((container.attrs.get("Config") or {}).get("Image") or "").rsplit(":", 1)[-1]
        path = os.path.join(
            self.p["logs_dir"],
            "%s-%s-%s.log"
            % (
                container.name,
                re.sub(r"[^A-Za-z0-9._-]", "_", image),
                time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            ),
        )
        try:
            if not os.path.isdir(self.p["logs_dir"]):
                os.makedirs(self.p["logs_dir"], 0o750)
            with open(path, "w") as f:
                f.write(mask_text(raw, self.secrets))
            os.chmod(path, 0o600)
        except (IOError, OSError) as e:
            self.module.warn("could not keep the logs of %s in %s: %s" % (container.name, path, e))
            return None
        return path

    def wait_ready(self, container, url=None, fail=True):
        """Waits for /ready. ``fail=False``: returns False instead of failing the module."""
        url = url or self.p["ready_url"]
        timeout = self.p["ready_timeout"]
        began = time.time()
        deadline = began + timeout
        last = (False, None, "no attempt")
        while True:
            remaining = deadline - time.time()
            last = self.probe(max(1, min(10, remaining)), url)
            if last[0]:
                self.progress("ready", container)
                self.result["timings"]["ready_wait_s"] += round(time.time() - began, 1)
                return True
            container.reload()
            self.progress("waiting for %s" % url, container)
            # A container that stopped for good will not become ready: say so now.
            if container.status in ("exited", "dead") and self.p["restart_policy"] == "no":
                break
            if time.time() + self.p["ready_interval"] > deadline:
                break
            time.sleep(self.p["ready_interval"])
        self.result["timings"]["ready_wait_s"] += round(time.time() - began, 1)
        container.reload()
        try:
            raw = to_text(container.logs(tail=LOG_TAIL), errors="surrogate_or_replace")
        except DockerException as e:
            raw = "(logs unavailable: %s)" % to_native(e)
        lines = mask_text(raw, self.secrets).splitlines()[-LOG_TAIL:]
        logs_file = self.keep_logs(container)
        status = "HTTP %s" % last[1] if last[1] is not None else "no HTTP answer"
        self.result.update(self.info(container))
        self.result.update(ready=False, logs=lines, last_status=last[1])
        if logs_file:
            self.result["logs_file"] = logs_file
        msg = (
            "container %s (%s) was not ready at %s within %ds: last answer %s: %s; "
            "container status %s."
            % (
                container.name,
                (container.attrs.get("Config") or {}).get("Image"),
                url,
                timeout,
                status,
                mask_text(last[2].strip(), self.secrets) or "(empty body)",
                container.status,
            )
        )
        if not fail:
            self.result["ready_failure"] = msg
            return False
        self.fail(
            "%s It is left in place for inspection (docker logs %s)%s. Last %d log lines:\n%s"
            % (
                msg,
                container.name,
                (", whole log kept in %s" % logs_file) if logs_file else "",
                LOG_TAIL,
                "\n".join(lines),
            )
        )
        return False

    def info(self, container):
        cfg = container.attrs.get("Config") or {}
        return {
            "container": {
                "id": container.id,
                "name": container.name,
                "image": cfg.get("Image"),
                "image_id": container.attrs.get("Image"),
                "status": container.status,
            }
        }

    # --- states ----------------------------------------------------------------------
    def started(self):
        p = self.p
        env = self.read_env_file()
        env_pairs = sorted(env.items())
        image_id = None
        image_labels = {}
        image_user = None
        try:
            image = self.client.images.get(p["image"])
            image_id = image.id
            image_labels = image.labels or {}
            image_user = (image.attrs.get("Config") or {}).get("User") or None
        except ImageNotFound:
            if not self.module.check_mode:
                self.fail(
                    "image %s is not on this host. The module does not pull: load it first "
                    "(community.docker.docker_image_load for an archive, or "
                    "community.docker.docker_image)." % p["image"]
                )
            self.module.warn(
                "image %s is not on this host yet; assuming an earlier task loads it" % p["image"]
            )
        if image_id and p["image_id"]:
            try:
                ok = image_id_matches(p["image_id"], image_id)
            except ContainerSpecError as e:
                self.fail(to_native(e))
            if not ok:
                self.fail(
                    "image %s on this host has ID %s, but image_id expects %s: the image is "
                    "not the one you checked. Load the right archive or correct image_id."
                    % (p["image"], image_id, p["image_id"])
                )
        want = self.desired(env, image_id, image_user)
        self.result.update(
            image_id=image_id,
            version=image_version(p["image"], image_labels),
            config_hash=want["config_hash"],
        )

        self.result["strategy"] = p["strategy"]
        self.result["cutovers"] = []
        container = self.get_container()
        leftovers = self.find_leftovers()
        self.result["leftovers"] = [c.name for c in leftovers]
        if leftovers:
            self.module.warn(
                "an earlier run was interrupted: it left %s behind; %s"
                % (
                    ", ".join(c.name for c in leftovers),
                    "they would be removed" if self.module.check_mode else "removing them",
                )
            )
        have = self.describe(container) if container else None
        action = None
        if container is None:
            action = "create"
        elif (
            want["config_hash"] is None
            or have["config_hash"] != want["config_hash"]
            or container.status == "dead"
            # Not on its network any more (a recreated network disconnects its
            # containers): only a new container is attached the way it was created.
            or is_detached(have["network"])
        ):
            action = "replace"
        elif container.status == "paused":
            action = "unpause"
        elif container.status not in ("running", "restarting"):
            action = "start"
        if action == "replace" and p["strategy"] == "blue_green" and is_detached(have["network"]):
            # Off its network the old container serves nothing: no point keeping
            # it up beside a standby.
            p["strategy"] = self.result["strategy"] = "recreate"

        env_changed = changed_keys(have["env"] if have else {}, env)
        self.result["changed_env_keys"] = env_changed
        if self.module._diff:
            self.result["diff"] = {
                "before": self.masked(have),
                "after": self.masked(want, env_changed if have else ()),
            }
        if have and action == "replace":
            self.result["previous_image_id"] = have["image_id"]
        if leftovers:
            self.result["changed"] = True
            if not self.module.check_mode:
                self.remove_leftovers(leftovers)
        if action is None:
            self.result.update(self.info(container))
            if p["wait_ready"]:
                ready = self.probe(5)[0]
                # Running but not ready: a run interrupted during migrations, or a
                # restart. Wait as after a start, never report success too early.
                if not ready and not self.module.check_mode:
                    ready = self.wait_ready(container)
                self.result["ready"] = ready
            return
        self.result["changed"] = True
        self.result["recreated"] = action in ("create", "replace")
        if self.module.check_mode:
            if container is not None and action not in ("create", "replace"):
                self.result.update(self.info(container))
            return

        blue_green = (
            action == "replace"
            and p["strategy"] == "blue_green"
            and container.status in ("running", "restarting")
        )
        if blue_green:
            self.blue_green(container, want, env_pairs)
            return
        try:
            if action == "replace":
                self.replace(container, want, env_pairs)
                container = self.get_container()
            elif action == "create":
                container = self.create(want, env_pairs)
                container.start()
            elif action == "unpause":
                container.unpause()
            else:
                container.start()
            container.reload()
        except DockerException as e:
            self.fail("Docker refused to %s container %s: %s" % (action, p["name"], to_native(e)))
        self.result.update(self.info(container))
        if p["wait_ready"]:
            self.result["ready"] = self.wait_ready(container)

    def replace(self, old, want, env_pairs):
        """Stop the old container before the new one starts: they would share /vol."""
        was_running = old.status in ("running", "restarting")
        old.stop(timeout=self.p["stop_timeout"])
        # Renamed, not removed, until its successor runs: a create or start error
        # (bad network, port taken) rolls back instead of leaving the site down.
        old.rename("%s-replaced-%s" % (self.p["name"], old.id[:12]))
        new = None
        try:
            new = self.create(want, env_pairs)
            new.start()
        except DockerException as e:
            if new is not None:
                new.remove(force=True)
            old.rename(self.p["name"])
            not_started = ""
            if was_running:
                # It may not start either: its network may be gone (a network
                # recreated or removed under it).
                try:
                    old.start()
                except DockerException as e_old:
                    not_started = " but Docker refused to start it (%s)" % to_native(e_old)
            self.fail(
                "could not start the new container; the previous one is back in place%s: %s"
                % (not_started, to_native(e))
            )
        old.remove(v=False)

    # --- leftovers and blue/green -------------------------------------------------------
    def standby_name(self):
        return self.p["standby_name"] or "%s-next" % self.p["name"]

    def find_leftovers(self):
        """Containers an interrupted replacement left: the renamed old one, the standby."""
        pattern = re.compile(r"^%s-replaced-[0-9a-f]{12}$" % re.escape(self.p["name"]))
        found = []
        try:
            for c in self.client.containers.list(all=True):
                if pattern.match(c.name) or c.name == self.standby_name():
                    found.append(c)
        except DockerException as e:
            self.fail("Docker refused to list containers: %s" % to_native(e))
        return sorted(found, key=lambda c: c.name)

    def remove_leftovers(self, leftovers):
        for c in leftovers:
            try:
                c.remove(force=True, v=False)
            except NotFound:
                pass
            except DockerException as e:
                self.fail(
                    "Docker refused to remove the leftover container %s: %s"
                    % (c.name, to_native(e))
                )

    def address(self, ports):
        ip, host = parse_port(ports[0])[:2]
        return "%s:%d" % (ip or "127.0.0.1", host)

    def cutover(self, ports):
        target = self.address(ports)
        argv = [*self.p["cutover_command"], target]
        rc, out, err = self.module.run_command(argv)
        if rc != 0:
            return "%s exited %d: %s" % (" ".join(argv), rc, (err or out).strip()[-500:])
        self.result["cutovers"].append(target)
        return None

    def drain(self):
        time.sleep(self.p["drain_seconds"])
        self.result["timings"]["drain_s"] += self.p["drain_seconds"]

    def blue_green(self, old, want, env_pairs):
        """The new release starts beside the old one; the proxy moves only once it is ready."""
        p = self.p
        standby = None
        try:
            standby = self.create(
                want, env_pairs, name=self.standby_name(), ports=p["standby_published_ports"]
            )
            standby.start()
        except DockerException as e:
            if standby is not None:
                with contextlib.suppress(DockerException):
                    standby.remove(force=True)
            self.fail(
                "could not start the standby container %s; %s keeps serving unchanged: %s"
                % (self.standby_name(), p["name"], to_native(e)),
                rolled_back=True,
            )
        if not self.wait_ready(standby, p["standby_ready_url"], fail=False):
            with contextlib.suppress(DockerException):
                standby.stop(timeout=p["stop_timeout"])
                standby.remove(v=False)
            self.result.update(self.info(old))
            self.fail(
                "%s The standby was stopped and removed; %s (the previous release) kept serving, "
                "the proxy never left it. Its migrations may have moved the database schema.%s"
                % (
                    self.result.pop("ready_failure"),
                    p["name"],
                    (" Its whole log is kept in %s." % self.result["logs_file"])
                    if self.result.get("logs_file")
                    else "",
                ),
                rolled_back=True,
            )
        err = self.cutover(p["standby_published_ports"])
        if err:
            with contextlib.suppress(DockerException):
                standby.stop(timeout=p["stop_timeout"])
                standby.remove(v=False)
            self.fail(
                "the proxy could not be moved to the standby (%s); it was removed and %s keeps "
                "serving" % (err, p["name"]),
                rolled_back=True,
            )
        # Requests in flight on the old release finish (nginx's reload is graceful).
        self.drain()
        try:
            self.stop_remove(old)
        except DockerException as e:
            self.fail(
                "Docker refused to remove the previous container %s: %s" % (p["name"], to_native(e))
            )
        # The final container takes the usual name and port, so nothing else
        # (backups, restores, the next run) needs to know a standby existed.
        # Same release and schema as the standby: no migration left to run.
        try:
            final = self.create(want, env_pairs)
            final.start()
        except DockerException as e:
            self.fail(
                "could not start %s after the cut-over; the standby %s serves the new release: %s"
                % (p["name"], self.standby_name(), to_native(e))
            )
        self.wait_ready(final)
        err = self.cutover(p["published_ports"])
        if err:
            self.fail(
                "the proxy could not be moved back to %s (%s); %s serves the new release"
                % (p["name"], err, self.standby_name())
            )
        self.drain()
        try:
            self.stop_remove(standby)
        except DockerException as e:
            self.fail(
                "Docker refused to remove the standby %s: %s" % (self.standby_name(), to_native(e))
            )
        final.reload()
        self.result.update(self.info(final))
        self.result["ready"] = True

    def absent(self):
        container = self.get_container()
        if container is None:
            if self.module._diff:
                self.result["diff"] = {"before": {"state": "absent"}, "after": {"state": "absent"}}
            return
        have = self.describe(container)
        self.result["changed"] = True
        self.result["previous_image_id"] = have["image_id"]
        if self.module._diff:
            self.result["diff"] = {"before": self.masked(have), "after": {"state": "absent"}}
        if self.module.check_mode:
            return
        try:
            self.stop_remove(container)
        except DockerException as e:
            self.fail("Docker refused to remove container %s: %s" % (self.p["name"], to_native(e)))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", default="wandb"),
            state=dict(type="str", default="started", choices=["started", "absent"]),
            image=dict(type="str"),
            image_id=dict(type="str"),
            env_file=dict(type="path"),
            secret_env_keys=dict(
                type="list", elements="str", default=list(DEFAULT_SECRET_ENV_KEYS), no_log=False
            ),
            mounts=dict(type="list", elements="str", default=[]),
            published_ports=dict(type="list", elements="str", default=[]),
            network=dict(type="str"),
            extra_hosts=dict(type="dict", default={}),
            user=dict(type="str"),
            restart_policy=dict(
                type="str",
                default="unless-stopped",
                choices=["no", "always", "unless-stopped", "on-failure"],
            ),
            log_max_size=dict(type="str", default="50m"),
            log_max_file=dict(type="int", default=5),
            labels=dict(type="dict", default={}),
            security_opts=dict(type="list", elements="str", default=["no-new-privileges"]),
            cap_drop=dict(type="list", elements="str", default=["ALL"]),
            cap_add=dict(type="list", elements="str", default=[]),
            memory=dict(type="str", default=""),
            pids_limit=dict(type="int", default=0),
            stop_timeout=dict(type="int", default=60),
            wait_ready=dict(type="bool", default=True),
            ready_url=dict(type="str", default="http://127.0.0.1:8080/ready"),
            ready_timeout=dict(type="int", default=900),
            ready_interval=dict(type="int", default=5),
            strategy=dict(type="str", default="recreate", choices=["recreate", "blue_green"]),
            standby_name=dict(type="str"),
            standby_published_ports=dict(type="list", elements="str", default=[]),
            standby_ready_url=dict(type="str"),
            cutover_command=dict(type="list", elements="str", default=[]),
            drain_seconds=dict(type="int", default=10),
            logs_dir=dict(type="path"),
            progress_file=dict(type="path"),
            docker_host=dict(type="str", default="unix:///var/run/docker.sock"),
            api_timeout=dict(type="int", default=120),
        ),
        required_if=[
            ("state", "started", ("image", "env_file")),
        ],
        supports_check_mode=True,
    )
    if not HAS_DOCKER:
        module.fail_json(
            msg=missing_required_lib("docker", reason="to talk to the Docker engine")
            + " On Debian/Ubuntu install python3-docker (the onprem.wandb.docker role does).",
            exception=DOCKER_IMPORT_ERROR,
        )
    for opt, low in (
        ("ready_timeout", 1),
        ("ready_interval", 1),
        ("log_max_file", 1),
        ("stop_timeout", 0),
        ("drain_seconds", 0),
        ("pids_limit", 0),
    ):
        if module.params[opt] < low:
            module.fail_json(msg="%s must be at least %d, got %d" % (opt, low, module.params[opt]))
    if module.params["strategy"] == "blue_green" and module.params["state"] == "started":
        missing = [
            opt
            for opt in ("standby_published_ports", "standby_ready_url", "cutover_command")
            if not module.params[opt]
        ]
        if missing:
            module.fail_json(msg="strategy=blue_green needs %s" % ", ".join(missing))
        standby = sorted(module.params["standby_published_ports"])
        if standby and standby == sorted(module.params["published_ports"]):
            module.fail_json(msg="standby_published_ports must differ from published_ports")
    wc = WandbContainer(module)
    if module.params["state"] == "absent":
        wc.absent()
    else:
        wc.started()
    module.exit_json(**wc.result)


if __name__ == "__main__":
    main()
