"""Checks the manifests site_k8s.yml rendered, with the kubernetes client's own models.

Usage: check_render.py RENDER_DIR SECRETS.yml

The test API server has no core API, so the Secrets cannot be applied: this is
the check they get. Every Secret must be a V1Secret the client's model keeps
whole (no unknown field), every Secret key reference in the WeightsAndBiases
resource must name a key of a rendered Secret, and no test secret may be in
the resource.
"""

import json
import stat
import sys
from pathlib import Path

import kubernetes
import yaml


class _Response:
    """What ApiClient.deserialize reads: a body as the API server would send it."""

    def __init__(self, obj):
        self.data = json.dumps(obj)


def to_model(api, obj, kind):
    return api.deserialize(_Response(obj), kind)


def refs(node, path="spec"):
    if isinstance(node, dict):
        if set(node) == {"name", "key"}:
            yield path, node
            return
        for key, value in node.items():
            yield from refs(value, path + "." + key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from refs(value, "%s[%d]" % (path, i))


def main(argv):
    render = Path(argv[1])
    problems = []
    secrets_file = render / "secrets.yaml"
    mode = stat.S_IMODE(secrets_file.stat().st_mode)
    if mode != 0o600:
        problems.append("secrets.yaml has mode %o, want 600" % mode)
    secrets = yaml.safe_load(secrets_file.read_text())
    if secrets.get("kind") != "List":
        problems.append("secrets.yaml is not a List")
    api = kubernetes.client.ApiClient()
    keys = {}
    for manifest in secrets.get("items") or []:
        name = manifest["metadata"]["name"]
        model = to_model(api, manifest, "V1Secret")
        # The model drops what it does not know: the round trip must be exact.
        if api.sanitize_for_serialization(model) != manifest:
            problems.append("%s is not a V1Secret as the client models it" % name)
        keys[name] = set(manifest.get("stringData") or {})
    text = (render / "weightsandbiases.yaml").read_text()
    found = list(refs(yaml.safe_load(text)["spec"]))
    if not found:
        problems.append("the resource references no Secret")
    problems += [
        "%s: %s/%s is not rendered" % (path, ref["name"], ref["key"])
        for path, ref in found
        if ref["key"] not in keys.get(ref["name"], ())
    ]
    test_secrets = yaml.safe_load(Path(argv[2]).read_text())
    leaked = [name for name, value in test_secrets.items() if value in text]
    if leaked:
        problems.append("test secrets in the resource: %s" % leaked)
    for problem in problems:
        print(problem, file=sys.stderr)
    print("%d Secrets, %d references checked" % (len(keys), len(found)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
