"""Env-file parsing, secret masking and the config hash behind wandb_container."""

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils.container import (
    DETACHED,
    MASK,
    ContainerSpecError,
    changed_keys,
    config_hash,
    image_id_matches,
    image_version,
    is_detached,
    is_secret_key,
    mask_env,
    mask_text,
    network_as_attached,
    parse_env_file,
    parse_mount,
    parse_port,
    port_bindings,
    secret_values,
)


class TestParseEnvFile:
    def test_lines_comments_blanks(self):
        text = "# header\n\nHOST=https://wandb.example.com\n  # indented comment\nLICENSE=abc\n"
        assert parse_env_file(text) == [("HOST", "https://wandb.example.com"), ("LICENSE", "abc")]

    def test_values_are_literal(self):
        # No shell quoting, no expansion, '=' and '#' inside values kept.
        text = 'MYSQL=mysql://u:p%40ss=#1@db:3306/wandb_local\nQUOTED="x"\nSPACE= a b \nEMPTY=\n'
        assert dict(parse_env_file(text)) == {
            "MYSQL": "mysql://u:p%40ss=#1@db:3306/wandb_local",
            "QUOTED": '"x"',
            "SPACE": " a b ",
            "EMPTY": "",
        }

    def test_crlf(self):
        assert parse_env_file("A=1\r\nB=2\r\n") == [("A", "1"), ("B", "2")]

    def test_missing_equals_names_line_not_value(self):
        with pytest.raises(ContainerSpecError, match=r"wandb.env line 2 is not KEY=VALUE") as e:
            parse_env_file("A=1\nsupersecretvalue\n", source="wandb.env")
        assert "supersecretvalue" not in str(e.value)

    def test_bad_key(self):
        with pytest.raises(ContainerSpecError, match=r"line 1: '1BAD' is not a valid"):
            parse_env_file("1BAD=x\n")

    def test_duplicate_key(self):
        with pytest.raises(ContainerSpecError, match=r"line 3: A is already set on line 1"):
            parse_env_file("A=1\nB=2\nA=3\n")


class TestSecrets:
    @pytest.mark.parametrize(
        "key",
        [
            "LICENSE",
            "MYSQL",
            "REDIS",
            "BUCKET",
            "GORILLA_LIMITER",
            "OIDC_SECRET",
            "GORILLA_OIDC_SECRET",
            "AZURE_STORAGE_KEY",
            "GORILLA_EMAIL_SINK",
            "LOCAL_LDAP_BIND_PW",
            "SMTP_PASSWORD",
            "MY_TOKEN_FILE",
            "AWS_ACCESS_KEY",
            "client_secret",
        ],
    )
    def test_secret_keys(self, key):
        assert is_secret_key(key)

    @pytest.mark.parametrize("key", ["HOST", "BUCKET_QUEUE", "OIDC_CLIENT_ID", "KEYCLOAK_URL"])
    def test_plain_keys(self, key):
        assert not is_secret_key(key)

    def test_custom_list_replaces_defaults_but_pattern_stays(self):
        keys = ("HOST",)
        assert is_secret_key("HOST", keys)
        assert not is_secret_key("LICENSE", keys)
        assert is_secret_key("DB_PASSWORD", keys)

    def test_mask_env(self):
        env = {"HOST": "h", "LICENSE": "l", "MYSQL": "m"}
        assert mask_env(env) == {"HOST": "h", "LICENSE": MASK, "MYSQL": MASK}
        assert mask_env(env, changed=["LICENSE", "HOST"]) == {
            "HOST": "h",
            "LICENSE": MASK + " (changed)",
            "MYSQL": MASK,
        }

    def test_secret_values_longest_first_no_empty(self):
        env = {"LICENSE": "abc", "MYSQL": "abcdef", "EMPTY_SECRET": "", "HOST": "zzz"}
        assert secret_values(env) == ["abcdef", "abc"]

    def test_mask_text_overlapping(self):
        # The longer secret must go first or its tail would survive.
        text = "url mysql://u:abcdef@db and lic abc"
        assert mask_text(text, ["abc", "abcdef"]) == "url mysql://u:%s@db and lic %s" % (MASK, MASK)

    def test_changed_keys(self):
        assert changed_keys({"A": "1", "B": "2"}, {"A": "1", "B": "3", "C": "4"}) == ["B", "C"]
        assert changed_keys({"A": "1"}, {}) == ["A"]
        assert changed_keys({"A": "1"}, {"A": "1"}) == []


class TestSpecs:
    def test_mount(self):
        assert parse_mount("/srv/vol:/vol") == ("/srv/vol", "/vol", "rw")
        assert parse_mount("/etc/ca.crt:/usr/local/share/ca.crt:ro")[2] == "ro"

    @pytest.mark.parametrize("spec", ["vol:/vol", "/a:b", "/a:/b:rx", "/a", "/a:/b:ro:x"])
    def test_bad_mount(self, spec):
        with pytest.raises(ContainerSpecError):
            parse_mount(spec)

    def test_ports(self):
        assert parse_port("127.0.0.1:8080:8080") == ("127.0.0.1", 8080, "8080/tcp")
        assert parse_port("18080:8080") == ("", 18080, "8080/tcp")
        assert parse_port("[::1]:8080:8080/tcp") == ("::1", 8080, "8080/tcp")
        assert parse_port("10.0.0.5:8125:8125/udp") == ("10.0.0.5", 8125, "8125/udp")

    @pytest.mark.parametrize("spec", ["8080", "127.0.0.1:70000:8080", "a:b:c", "1:2:3:4"])
    def test_bad_ports(self, spec):
        with pytest.raises(ContainerSpecError):
            parse_port(spec)

    def test_port_bindings_several_per_port(self):
        assert port_bindings(["127.0.0.1:8080:8080", "10.0.0.5:8080:8080", "8181:8181"]) == {
            "8080/tcp": [("127.0.0.1", 8080), ("10.0.0.5", 8080)],
            "8181/tcp": [8181],
        }


BASE = {"image_id": "sha256:aa", "env": {"A": "1"}, "mounts": ["/a:/b:rw"]}


class TestHashAndImage:
    def test_hash_is_stable_and_order_free(self):
        other = {"mounts": ["/a:/b:rw"], "env": {"A": "1"}, "image_id": "sha256:aa"}
        assert config_hash(BASE) == config_hash(other)
        assert len(config_hash(BASE)) == 64

    @pytest.mark.parametrize(
        "change",
        [
            {"image_id": "sha256:bb"},
            {"env": {"A": "2"}},
            {"env": {"A": "1", "B": ""}},
            {"mounts": []},
        ],
    )
    def test_hash_changes(self, change):
        assert config_hash(dict(BASE, **change)) != config_hash(BASE)

    def test_hash_does_not_contain_values(self):
        assert "supersecret" not in config_hash({"env": {"LICENSE": "supersecret"}})

    @pytest.mark.parametrize(
        "ref,labels,want",
        [
            ("wandb/local:0.83.0", None, "0.83.0"),
            ("registry.example.com:5000/wandb/local:0.84.1", None, "0.84.1"),
            ("registry.example.com:5000/wandb/local", None, None),
            ("wandb/local@sha256:abcd", None, None),
            ("wandb/local:latest", {"org.opencontainers.image.version": "0.85.0"}, "0.85.0"),
        ],
    )
    def test_image_version(self, ref, labels, want):
        assert image_version(ref, labels) == want

    def test_image_id_matches(self):
        full = "sha256:" + "ab" * 32
        assert image_id_matches(full, full)
        assert image_id_matches("ab" * 32, full)
        assert image_id_matches("ABABABABABAB", full)
        assert not image_id_matches("sha256:" + "cd" * 32, full)
        with pytest.raises(ContainerSpecError, match="too short"):
            image_id_matches("abab", full)


class TestNetworkAttachment:
    NET_ID = "a" * 64

    def test_attached(self):
        networks = {"wandb": {"NetworkID": self.NET_ID}}
        assert network_as_attached("wandb", networks, self.NET_ID) == "wandb"
        assert not is_detached("wandb")

    def test_disconnected_running_container(self):
        # community.docker.docker_network disconnects before it recreates: the
        # name is gone from NetworkSettings, NetworkMode still names it.
        got = network_as_attached("wandb", {}, self.NET_ID)
        assert got == "wandb" + DETACHED
        assert is_detached(got)

    def test_stopped_container_on_a_recreated_network(self):
        # Stopped, it keeps the old network's ID: Docker refuses to start it.
        networks = {"wandb": {"NetworkID": "b" * 64}}
        assert is_detached(network_as_attached("wandb", networks, self.NET_ID))

    def test_network_gone(self):
        networks = {"wandb": {"NetworkID": self.NET_ID}}
        assert is_detached(network_as_attached("wandb", networks, None))

    def test_created_never_started_has_no_id_yet(self):
        assert network_as_attached("wandb", {"wandb": {"NetworkID": ""}}, self.NET_ID) == "wandb"

    @pytest.mark.parametrize(
        "mode,want",
        [
            ("default", None),
            ("bridge", None),
            (None, None),
            ("host", "host"),
            ("none", "none"),
            ("container:abc", "container:abc"),
        ],
    )
    def test_builtin_modes_are_not_checked(self, mode, want):
        assert network_as_attached(mode, {}, None) == want

    def test_none_is_not_detached(self):
        assert not is_detached(None)
