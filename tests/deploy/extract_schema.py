#!/usr/bin/env python3
"""Cut the definitions deploy/ needs out of a full Kubernetes OpenAPI v2 document.

Usage: extract_schema.py SWAGGER_JSON OUTPUT_JSON

SWAGGER_JSON is Kubernetes' api/openapi-spec/swagger.json (see SCHEMA-SOURCE.md for the copy
used). OUTPUT_JSON gets {"definitions": {...}} holding the root kinds below and every
definition their "$ref"s reach, transitively; descriptions are dropped to keep the file small
(the validator never reads them). Run it again with a newer swagger.json to move the test to
another Kubernetes version, and update SCHEMA-SOURCE.md.
"""
import json
import sys

ROOTS = [
    "io.k8s.api.node.v1.RuntimeClass",
    "io.k8s.api.apps.v1.DaemonSet",
    "io.k8s.api.apps.v1.Deployment",
    "io.k8s.api.core.v1.Service",
    "io.k8s.api.core.v1.ConfigMap",
    "io.k8s.api.core.v1.Secret",
    "io.k8s.api.core.v1.PersistentVolumeClaim",
    "io.k8s.api.core.v1.ServiceAccount",
    "io.k8s.api.core.v1.Namespace",
]
PREFIX = "#/definitions/"


def strip(node):
    """A copy of node without "description" keys (a property named "description" stays)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {name: strip(prop) for name, prop in value.items()}
            else:
                out[key] = strip(value)
        return out
    if isinstance(node, list):
        return [strip(item) for item in node]
    return node


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def extract(definitions):
    wanted, todo = {}, list(ROOTS)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        if name not in definitions:
            raise SystemExit(f"extract_schema: definition {name} is missing from the input")
        wanted[name] = strip(definitions[name])
        for ref in refs(wanted[name]):
            if not ref.startswith(PREFIX):
                raise SystemExit(f"extract_schema: {name}: unsupported $ref {ref}")
            todo.append(ref[len(PREFIX):])
    return dict(sorted(wanted.items()))


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__)
    with open(argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    subset = {"definitions": extract(spec["definitions"])}
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(subset, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(subset['definitions'])} definitions written to {argv[2]}")


if __name__ == "__main__":
    main(sys.argv)
