#!/usr/bin/env python3
"""Checks deploy/: the Kubernetes manifests and the Helm chart.

Usage: check_manifests.py SOURCE_DIR

1. Every YAML document of deploy/kubernetes/*.yaml (kustomization.yaml aside, which must list
   exactly the other files) and of the Helm chart deploy/helm/cocoon, rendered with its default
   values, is validated against the Kubernetes OpenAPI definition of its kind
   (tests/deploy/k8s-openapi-subset.json, made by extract_schema.py; SCHEMA-SOURCE.md says from
   which Kubernetes). The check is stricter than the API server's decoding: an unknown field is
   an error (additionalProperties false wherever a definition lists its properties), as are
   missing required fields and wrong types.
2. The objects must fit together: the RuntimeClass handler is `cocoon`, the installer
   DaemonSet's nodeSelector is the RuntimeClass's scheduling.nodeSelector, the KBS Deployment's
   volumes name a ConfigMap, Secret and PVC that exist, the Service selects the Deployment's
   pods, the KBS config parses as TOML and uses only what docs/config.md documents, and the
   chart renders the same node and KBS set-up as the plain manifests.
3. Self-checks: broken documents and templates are fed to the same code, which must reject them,
   so a validator that accepts everything cannot pass.

Helm is not needed: the chart's templates may use only a small Go-template subset, which
render() below implements and which `helm template` renders to the same text:
  {{ REF }}  {{ REF | quote }}  {{ REF | indent N }}  {{- toYaml REF | nindent N }}
  {{- if REF }} ... {{- end }}
where REF is .Values.a.b..., .Release.Name, .Release.Namespace, .Chart.Name, .Chart.Version or
.Chart.AppVersion, and `{{-` (trim the whitespace before) may open any of them. Anything else
fails the check naming the file and line; extend render() (and keep it identical to Helm) before
using more.

Exit status 0 when everything holds; otherwise 1, with one line per problem naming the file, the
document and the JSON path.
"""
import copy
import glob
import json
import os
import re
import sys
import tomllib

import jsonschema
import yaml

RELEASE_NAME = "cocoon"
RELEASE_NAMESPACE = "cocoon-system"
RUNTIME_HANDLER = "cocoon"
KBS_PORT = 8080
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
DEF_PREFIX = "#/definitions/"


class RenderError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# The Go-template subset.

REF_RE = re.compile(
    r"\.(?:Values(?:\.[A-Za-z_][A-Za-z0-9_]*)+|Release\.(?:Name|Namespace)"
    r"|Chart\.(?:Name|Version|AppVersion))$")
SAFE_SCALAR_RE = re.compile(r"^[A-Za-z0-9/][A-Za-z0-9._/-]*$")
GO_TRIM = " \t\r\n"


def _lookup(ref, context, where):
    if not REF_RE.match(ref):
        raise RenderError(f"{where}: unsupported reference {ref!r}")
    node = context
    parts = ref[1:].split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            raise RenderError(f"{where}: {ref} is not set (no {'.'.join(parts[:i + 1])})")
        node = node[part]
    return node


def _scalar_text(value, where):
    """What Go's fmt prints for a value Helm read from YAML (numbers arrive as float64)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # float64 prints in exponent form from 1e6 on (1e+06); refuse rather than differ.
        if abs(value) >= 1000000:
            raise RenderError(f"{where}: integer {value} would print as a float in Helm")
        return str(value)
    if isinstance(value, str):
        return value
    raise RenderError(f"{where}: cannot print a {type(value).__name__} ({value!r})")


def _yaml_scalar(value, where):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) >= 1000000:
            raise RenderError(f"{where}: integer {value} is outside the renderer's subset")
        return str(value)
    if isinstance(value, str):
        if not SAFE_SCALAR_RE.match(value):
            raise RenderError(f"{where}: toYaml of {value!r} is outside the renderer's subset")
        if isinstance(yaml.safe_load(value), str):
            return value
        return '"' + value + '"'  # "true", "1024": yaml.v2 double-quotes them
    raise RenderError(f"{where}: toYaml of a {type(value).__name__} is not supported")


def to_yaml(value, where):
    """Helm's toYaml (sigs.k8s.io/yaml, yaml.v2 block style, sorted keys, no final newline)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for key in sorted(value):
            k = _yaml_scalar(key, where)
            v = value[key]
            if isinstance(v, dict) and v:
                lines.append(f"{k}:")
                lines.extend("  " + line for line in to_yaml(v, where).split("\n"))
            elif isinstance(v, list) and v:
                lines.append(f"{k}:")
                lines.extend(to_yaml(v, where).split("\n"))
            else:
                lines.append(f"{k}: {to_yaml(v, where)}")
        return "\n".join(lines)
    if isinstance(value, list):
        if not value:
            return "[]"
        lines = []
        for item in value:
            if isinstance(item, list):
                raise RenderError(f"{where}: toYaml of nested lists is not supported")
            sub = to_yaml(item, where).split("\n")
            lines.append("- " + sub[0])
            lines.extend("  " + line for line in sub[1:])
        return "\n".join(lines)
    return _yaml_scalar(value, where)


def _indent(text, n, where):
    if not isinstance(text, str):
        raise RenderError(f"{where}: indent/nindent of a {type(text).__name__}")
    pad = " " * n
    return pad + text.replace("\n", "\n" + pad)


def _quote(value, where):
    text = _scalar_text(value, where)
    if any(ord(c) < 0x20 or ord(c) > 0x7e for c in text):
        raise RenderError(f"{where}: quote of a string with control or non-ASCII characters")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tokens(template, name):
    """Text and action tokens; `{{-` trims the whitespace of the text before it."""
    out, pos = [], 0
    for m in re.finditer(r"\{\{(.*?)\}\}", template, re.S):
        text = template[pos:m.start()]
        inner = m.group(1)
        line = template.count("\n", 0, m.start()) + 1
        where = f"{name}:{line}"
        if inner.startswith("-"):
            if not inner[1:2] or inner[1] not in GO_TRIM:
                raise RenderError(f"{where}: '{{{{-' must be followed by a space")
            text = text.rstrip(GO_TRIM)
            inner = inner[1:]
        if inner.endswith("-") and inner[-2:-1] in (" ", "\t", "\n"):
            raise RenderError(f"{where}: '-}}}}' (trim after) is outside the renderer's subset")
        if inner.strip().startswith("/*"):
            raise RenderError(f"{where}: template comments are outside the renderer's subset")
        out.append(("text", text, where))
        out.append(("action", inner.strip(), where))
        pos = m.end()
    if "{{" in template[pos:] or "}}" in template[pos:]:
        raise RenderError(f"{name}: unbalanced '{{{{' or '}}}}'")
    out.append(("text", template[pos:], name))
    return out


def _render_tokens(tokens, i, context, emit, stop_at_end):
    while i < len(tokens):
        kind, value, where = tokens[i]
        i += 1
        if kind == "text":
            emit(value)
            continue
        if value == "end":
            if not stop_at_end:
                raise RenderError(f"{where}: 'end' without 'if'")
            return i
        m = re.fullmatch(r"if\s+(\S+)", value)
        if m:
            cond = _lookup(m.group(1), context, where)
            body = []
            i = _render_tokens(tokens, i, context, body.append if cond else (lambda s: None),
                               True)
            if cond:
                emit("".join(body))
            continue
        m = re.fullmatch(r"toYaml\s+(\S+)\s*\|\s*nindent\s+(\d+)", value)
        if m:
            emit("\n" + _indent(to_yaml(_lookup(m.group(1), context, where), where),
                                int(m.group(2)), where))
            continue
        m = re.fullmatch(r"(\S+)\s*\|\s*quote", value)
        if m:
            emit(_quote(_lookup(m.group(1), context, where), where))
            continue
        m = re.fullmatch(r"(\S+)\s*\|\s*indent\s+(\d+)", value)
        if m:
            emit(_indent(_lookup(m.group(1), context, where), int(m.group(2)), where))
            continue
        if REF_RE.match(value):
            emit(_scalar_text(_lookup(value, context, where), where))
            continue
        raise RenderError(f"{where}: '{{{{ {value} }}}}' is outside the renderer's subset")
    if stop_at_end:
        raise RenderError(f"{tokens[-1][2]}: 'if' without 'end'")
    return i


def render(template, context, name):
    out = []
    _render_tokens(_tokens(template, name), 0, context, out.append, False)
    return "".join(out)


def deep_merge(base, override):
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def render_chart(chart_dir, overrides=None, root=None):
    """[(template path, rendered text)] for every template, as `helm template` would."""
    with open(os.path.join(chart_dir, "Chart.yaml"), encoding="utf-8") as f:
        chart = yaml.safe_load(f)
    with open(os.path.join(chart_dir, "values.yaml"), encoding="utf-8") as f:
        values = yaml.safe_load(f) or {}
    if overrides:
        values = deep_merge(values, overrides)
    context = {
        "Values": values,
        "Release": {"Name": RELEASE_NAME, "Namespace": RELEASE_NAMESPACE},
        "Chart": {"Name": chart["name"], "Version": str(chart["version"]),
                  "AppVersion": str(chart.get("appVersion", ""))},
    }
    out = []
    for path in sorted(glob.glob(os.path.join(chart_dir, "templates", "*"))):
        with open(path, encoding="utf-8") as f:
            out.append((path, render(f.read(), context,
                                     os.path.relpath(path, root) if root else path)))
    return out


# ---------------------------------------------------------------------------------------------
# The schema.

SCHEMA_KEYS_DICT = ("properties", "patternProperties", "definitions")
SCHEMA_KEYS_ONE = ("items", "additionalProperties", "not")
SCHEMA_KEYS_LIST = ("allOf", "anyOf", "oneOf")


def _tighten(node):
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if node.get("format") == "int-or-string" or node.get("x-kubernetes-int-or-string"):
        node.pop("format", None)
        node["type"] = ["integer", "string"]
    if "$ref" in node and not node["$ref"].startswith(DEF_PREFIX):
        raise ValueError(f"unsupported $ref {node['$ref']}")
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    for key in SCHEMA_KEYS_DICT:
        if isinstance(node.get(key), dict):
            node[key] = {k: _tighten(v) for k, v in node[key].items()}
    for key in SCHEMA_KEYS_ONE:
        if isinstance(node.get(key), dict):
            node[key] = _tighten(node[key])
    for key in SCHEMA_KEYS_LIST:
        if isinstance(node.get(key), list):
            node[key] = [_tighten(v) for v in node[key]]
    return node


class Schema:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            definitions = json.load(f)["definitions"]
        self.definitions = {name: _tighten(d) for name, d in definitions.items()}
        if QUANTITY in self.definitions:
            self.definitions[QUANTITY] = {"type": ["string", "number"]}
        self.kinds = {}
        for name, d in definitions.items():
            for gvk in d.get("x-kubernetes-group-version-kind", []):
                api = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                self.kinds[(api, gvk["kind"])] = name
        self.validators = {}

    def errors(self, doc):
        """[(json path, message)] of doc against its kind's definition."""
        if not isinstance(doc, dict):
            return [("$", "a document must be a mapping")]
        key = (doc.get("apiVersion"), doc.get("kind"))
        name = self.kinds.get(key)
        if name is None:
            return [("$", f"no schema for apiVersion {key[0]!r} kind {key[1]!r}")]
        if name not in self.validators:
            schema = {"$ref": DEF_PREFIX + name, "definitions": self.definitions}
            jsonschema.Draft4Validator.check_schema(schema)
            self.validators[name] = jsonschema.Draft4Validator(schema)
        out = []
        for err in self.validators[name].iter_errors(doc):
            message = err.message
            if err.context:
                message += " (" + "; ".join(sorted({c.message for c in err.context})) + ")"
            out.append((json_path(err.absolute_path), message))
        return sorted(out)


def json_path(parts):
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


# ---------------------------------------------------------------------------------------------
# What docs/config.md documents for kbs-config.toml.

class KbsConfigDoc:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        # The cocoon-kbs part runs to the next top-level heading; code blocks (TOML comments
        # start lines with "# " too) are left out, so only prose and tables document a key.
        lines, fenced = [], False
        for i, line in enumerate(text.split("\n")):
            if line.startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                continue
            if i > 0 and line.startswith("# "):
                break
            lines.append(line)
        kbs = "\n".join(lines) + "\n"
        self.sections, self.names = set(), set()
        for m in re.finditer(r"^#{2,4} \[\[?([A-Za-z_][A-Za-z0-9_.]*)", kbs, re.M):
            components = [c for c in m.group(1).split(".") if c]
            self.sections.add(components[0])
            self.names.update(components)
        top = re.search(r"^## Top level\n(.*?)^## ", kbs, re.M | re.S)
        self.top_keys = set(re.findall(r"^\| `([A-Za-z_][A-Za-z0-9_]*)`", top.group(1), re.M)
                            ) if top else set()
        self.names.update(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)", kbs))
        if not self.sections or not self.top_keys:
            raise SystemExit(f"check_manifests: cannot find the KBS sections in {path}")

    def problems(self, config):
        out = []
        for key, value in config.items():
            if isinstance(value, (dict, list)) and (isinstance(value, dict) or (
                    value and all(isinstance(v, dict) for v in value))):
                if key not in self.sections:
                    out.append((f"[{key}]", "section not documented in docs/config.md"))
            elif key not in self.top_keys:
                out.append((key, "top-level key not documented in docs/config.md"))
        out.extend(self._names(config, ""))
        return out

    def _names(self, node, prefix):
        out = []
        if isinstance(node, dict):
            for key, value in node.items():
                path = f"{prefix}.{key}" if prefix else key
                if key not in self.names:
                    out.append((path, "key not documented in docs/config.md"))
                out.extend(self._names(value, path))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                out.extend(self._names(value, f"{prefix}[{i}]"))
        return out


# ---------------------------------------------------------------------------------------------
# The checks.

class Report:
    def __init__(self, root):
        self.root = root
        self.problems = []

    def add(self, where, path, message):
        self.problems.append(f"{where}: {path}: {message}")

    def rel(self, path):
        return os.path.relpath(path, self.root)


class Doc:
    def __init__(self, file, index, body):
        self.file, self.index, self.body = file, index, body

    @property
    def kind(self):
        return self.body.get("kind") if isinstance(self.body, dict) else None

    @property
    def name(self):
        return ((self.body.get("metadata") or {}).get("name")
                if isinstance(self.body, dict) else None)

    @property
    def namespace(self):
        return (self.body.get("metadata") or {}).get("namespace")

    def where(self):
        return f"{self.file}: document {self.index} ({self.kind}/{self.name})"


def load_docs(report, label, text):
    docs = []
    try:
        for i, body in enumerate(yaml.safe_load_all(text), 1):
            if body is not None:
                docs.append(Doc(label, i, body))
    except yaml.YAMLError as e:
        report.add(label, "$", f"YAML: {e}")
    return docs


def get(node, *path):
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def one(report, docs, kind, setname):
    found = [d for d in docs if d.kind == kind]
    if len(found) != 1:
        report.add(setname, "$", f"expected exactly one {kind}, found {len(found)}")
        return None
    return found[0]


def pod_spec_checks(report, doc):
    spec = get(doc.body, "spec", "template", "spec") or {}
    volumes = {v.get("name") for v in spec.get("volumes", [])}
    for ci, c in enumerate(spec.get("containers", [])):
        for mi, mount in enumerate(c.get("volumeMounts", [])):
            if mount.get("name") not in volumes:
                report.add(doc.where(), f"$.spec.template.spec.containers[{ci}].volumeMounts[{mi}]",
                           f"mounts {mount.get('name')!r}, which is not a volume of the pod")
    selector = get(doc.body, "spec", "selector", "matchLabels") or {}
    labels = get(doc.body, "spec", "template", "metadata", "labels") or {}
    for k, v in selector.items():
        if labels.get(k) != v:
            report.add(doc.where(), f"$.spec.selector.matchLabels.{k}",
                       "the pod template's labels do not match the selector")


def cross_checks(report, docs, setname, config_doc, namespace_object):
    """Checks between the documents of one set (the plain manifests, or the rendered chart)."""
    rc = one(report, docs, "RuntimeClass", setname)
    ds = one(report, docs, "DaemonSet", setname)
    dep = one(report, docs, "Deployment", setname)
    svc = one(report, docs, "Service", setname)
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d.kind, {})[(d.namespace, d.name)] = d

    for d in docs:
        if d.kind in ("RuntimeClass", "Namespace"):
            continue
        if d.namespace != RELEASE_NAMESPACE:
            report.add(d.where(), "$.metadata.namespace", f"must be {RELEASE_NAMESPACE!r}")
    if namespace_object and (None, RELEASE_NAMESPACE) not in by_kind.get("Namespace", {}):
        report.add(setname, "$", f"no Namespace {RELEASE_NAMESPACE}")

    if rc:
        if rc.body.get("handler") != RUNTIME_HANDLER:
            report.add(rc.where(), "$.handler", f"must be {RUNTIME_HANDLER!r}")
        if not get(rc.body, "overhead", "podFixed", "memory"):
            report.add(rc.where(), "$.overhead.podFixed.memory", "missing: the pod VM's memory")
    if rc and ds:
        want = get(rc.body, "scheduling", "nodeSelector")
        have = get(ds.body, "spec", "template", "spec", "nodeSelector")
        if not want or want != have:
            report.add(ds.where(), "$.spec.template.spec.nodeSelector",
                       f"{have!r} differs from the RuntimeClass's scheduling.nodeSelector {want!r}")
    if ds:
        pod_spec_checks(report, ds)
        spec = get(ds.body, "spec", "template", "spec") or {}
        if spec.get("hostPID") is not True:
            report.add(ds.where(), "$.spec.template.spec.hostPID",
                       "must be true (the installer restarts containerd through nsenter)")
        if get(spec, "containers", 0, "securityContext", "privileged") is not True:
            report.add(ds.where(), "$.spec.template.spec.containers[0].securityContext.privileged",
                       "must be true")
        host = [v for v in spec.get("volumes", []) if get(v, "hostPath", "path") == "/"]
        mounts = {m.get("name"): m.get("mountPath")
                  for m in get(spec, "containers", 0, "volumeMounts") or []}
        if not host or mounts.get(host[0].get("name")) != "/host":
            report.add(ds.where(), "$.spec.template.spec.volumes",
                       "the node's / must be mounted at /host")
        sa = spec.get("serviceAccountName")
        if (ds.namespace, sa) not in by_kind.get("ServiceAccount", {}):
            report.add(ds.where(), "$.spec.template.spec.serviceAccountName",
                       f"no ServiceAccount {sa!r} in {ds.namespace}")

    config_map, secret_keys, mounts = None, None, {}
    if dep:
        pod_spec_checks(report, dep)
        spec = get(dep.body, "spec", "template", "spec") or {}
        if get(dep.body, "spec", "strategy", "type") != "Recreate":
            report.add(dep.where(), "$.spec.strategy.type",
                       "must be Recreate (one SQLite writer)")
        if get(dep.body, "spec", "replicas") != 1:
            report.add(dep.where(), "$.spec.replicas", "must be 1 (one SQLite writer)")
        if get(spec, "securityContext", "runAsNonRoot") is not True:
            report.add(dep.where(), "$.spec.template.spec.securityContext.runAsNonRoot",
                       "must be true")
        for ci, c in enumerate(spec.get("containers", [])):
            base = f"$.spec.template.spec.containers[{ci}].securityContext"
            sc = c.get("securityContext") or {}
            if sc.get("readOnlyRootFilesystem") is not True:
                report.add(dep.where(), base + ".readOnlyRootFilesystem", "must be true")
            if sc.get("allowPrivilegeEscalation") is not False:
                report.add(dep.where(), base + ".allowPrivilegeEscalation", "must be false")
            if get(sc, "capabilities", "drop") != ["ALL"]:
                report.add(dep.where(), base + ".capabilities.drop", "must be [ALL]")
        container = get(spec, "containers", 0) or {}
        for vi, v in enumerate(spec.get("volumes", [])):
            path = f"$.spec.template.spec.volumes[{vi}]"
            for field, kind, ref in (("configMap", "ConfigMap", "name"),
                                     ("secret", "Secret", "secretName"),
                                     ("persistentVolumeClaim", "PersistentVolumeClaim",
                                      "claimName")):
                if field not in v:
                    continue
                target = by_kind.get(kind, {}).get((dep.namespace, v[field].get(ref)))
                if target is None:
                    report.add(dep.where(), f"{path}.{field}.{ref}",
                               f"no {kind} {v[field].get(ref)!r} in {dep.namespace}")
                    continue
                mount = [m.get("mountPath") for m in container.get("volumeMounts", [])
                         if m.get("name") == v.get("name")]
                mounts[kind] = mount[0] if mount else None
                if kind == "ConfigMap":
                    config_map = target
                if kind == "Secret":
                    secret_keys = set((target.body.get("data") or {}).keys()) | set(
                        (target.body.get("stringData") or {}).keys())
        if svc:
            selector = get(svc.body, "spec", "selector") or {}
            labels = get(dep.body, "spec", "template", "metadata", "labels") or {}
            if not selector or any(labels.get(k) != v for k, v in selector.items()):
                report.add(svc.where(), "$.spec.selector",
                           f"{selector!r} does not select the Deployment's pods {labels!r}")
            ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
            for pi, p in enumerate(get(svc.body, "spec", "ports") or []):
                target = p.get("targetPort")
                if isinstance(target, str) and target not in ports:
                    report.add(svc.where(), f"$.spec.ports[{pi}].targetPort",
                               f"no container port named {target!r}")
            if [p.get("port") for p in get(svc.body, "spec", "ports") or []] != [KBS_PORT]:
                report.add(svc.where(), "$.spec.ports", f"must be one port, {KBS_PORT}")

    config = None
    if config_map:
        text = get(config_map.body, "data", "kbs-config.toml")
        where = config_map.where()
        if not isinstance(text, str):
            report.add(where, "$.data", "no kbs-config.toml")
        else:
            try:
                config = tomllib.loads(text)
            except tomllib.TOMLDecodeError as e:
                report.add(where, "$.data.kbs-config.toml", f"TOML: {e}")
        if config is not None:
            for path, message in config_doc.problems(config):
                report.add(where, f"$.data.kbs-config.toml: {path}", message)
            kbs_config_refs(report, where, config, mounts, secret_keys, dep)
    return config


def kbs_config_refs(report, where, config, mounts, secret_keys, dep):
    """The files the KBS config names are where the Deployment mounts them."""
    base = "$.data.kbs-config.toml"
    keys_dir, data_dir = mounts.get("Secret"), mounts.get("PersistentVolumeClaim")
    files = [("http_server.certificate", get(config, "http_server", "certificate")),
             ("http_server.private_key", get(config, "http_server", "private_key"))]
    for i, idp in enumerate(get(config, "admin", "authentication", "bearer_jwt",
                                "identity_providers") or []):
        files.append((f"admin.authentication.bearer_jwt.identity_providers[{i}].public_key_uri",
                      idp.get("public_key_uri")))
    for key, value in files:
        if value is None:
            continue
        if not keys_dir or os.path.dirname(value) != keys_dir or \
                os.path.basename(value) not in (secret_keys or set()):
            report.add(where, f"{base}: {key}",
                       f"{value!r} is not a key of the Secret mounted at {keys_dir}")
    if get(config, "http_server", "insecure_http") is not True and not (
            get(config, "http_server", "certificate") and get(config, "http_server",
                                                              "private_key")):
        report.add(where, f"{base}: http_server", "HTTPS without certificate and private_key")
    storage = get(config, "storage_backend", "backends", "sqlite", "path")
    if get(config, "storage_backend", "storage_type") not in ("Sqlite", "sqlite") or not storage:
        report.add(where, f"{base}: storage_backend", "the chart expects Sqlite with a path")
    elif not data_dir or not storage.startswith(data_dir.rstrip("/") + "/"):
        report.add(where, f"{base}: storage_backend.backends.sqlite.path",
                   f"{storage!r} is not on the volume mounted at {data_dir}")
    ports = set()
    for s in get(config, "http_server", "sockets") or []:
        ports.add(int(s.rsplit(":", 1)[1]))
    container_ports = {p.get("containerPort")
                       for p in get(dep.body, "spec", "template", "spec", "containers", 0,
                                    "ports") or []}
    if ports != container_ports:
        report.add(where, f"{base}: http_server.sockets",
                   f"ports {sorted(ports)} differ from the container ports "
                   f"{sorted(container_ports)}")


def same_setup(report, plain, chart):
    """The chart and the plain manifests describe the same node and KBS set-up."""
    def pick(docs, kind):
        found = [d for d in docs if d.kind == kind]
        return found[0].body if len(found) == 1 else None

    comparisons = [
        ("RuntimeClass", ("handler",)), ("RuntimeClass", ("overhead",)),
        ("RuntimeClass", ("scheduling",)),
        ("DaemonSet", ("spec", "template", "spec", "containers", 0, "args")),
        ("DaemonSet", ("spec", "template", "spec", "containers", 0, "command")),
        ("DaemonSet", ("spec", "template", "spec", "containers", 0, "securityContext")),
        ("DaemonSet", ("spec", "template", "spec", "hostPID")),
        ("Deployment", ("spec", "template", "spec", "containers", 0, "args")),
        ("Deployment", ("spec", "template", "spec", "containers", 0, "securityContext")),
        ("Deployment", ("spec", "template", "spec", "securityContext")),
        ("PersistentVolumeClaim", ("spec",)),
    ]
    for kind, path in comparisons:
        a, b = get(pick(plain, kind), *path), get(pick(chart, kind), *path)
        if a != b:
            report.add("deploy/helm/cocoon (rendered)", f"{kind} {json_path(path)}",
                       f"differs from deploy/kubernetes: {b!r} vs {a!r}")


def check_kustomization(report, kdir):
    path = os.path.join(kdir, "kustomization.yaml")
    with open(path, encoding="utf-8") as f:
        k = yaml.safe_load(f)
    present = sorted(os.path.basename(p) for p in glob.glob(os.path.join(kdir, "*.yaml"))
                     if os.path.basename(p) != "kustomization.yaml")
    listed = k.get("resources") or []
    if sorted(listed) != present or len(set(listed)) != len(listed):
        report.add(report.rel(path), "$.resources",
                   f"lists {sorted(listed)}, the directory holds {present}")
    if k.get("kind") != "Kustomization":
        report.add(report.rel(path), "$.kind", "must be Kustomization")


def validate_docs(report, schema, docs):
    for d in docs:
        for path, message in schema.errors(d.body):
            report.add(d.where(), path, message)


# ---------------------------------------------------------------------------------------------
# Self-checks: the checker must reject what is wrong.

def self_checks(schema, config_doc, plain_docs):
    failures = []

    def expect(label, errors, *needles):
        text = "\n".join(f"{p}: {m}" for p, m in errors)
        for needle in needles:
            if needle not in text:
                failures.append(f"self-check {label}: expected an error containing {needle!r}, "
                                f"got: {text or 'none'}")

    ds = next(d.body for d in plain_docs if d.kind == "DaemonSet")
    bad = copy.deepcopy(ds)
    bad["spec"]["bogusField"] = True
    del bad["spec"]["selector"]
    expect("unknown field and missing required field", schema.errors(bad),
           "$.spec: Additional properties are not allowed ('bogusField'",
           "'selector' is a required property")

    bad = copy.deepcopy(ds)
    bad["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = "yes"
    expect("wrong type", schema.errors(bad),
           "$.spec.template.spec.containers[0].securityContext.privileged: 'yes' is not of type")

    svc = next(d.body for d in plain_docs if d.kind == "Service")
    bad = copy.deepcopy(svc)
    bad["spec"]["ports"][0]["targetPort"] = [8080]
    expect("int-or-string", schema.errors(bad), "$.spec.ports[0].targetPort")
    good = copy.deepcopy(svc)
    good["spec"]["ports"][0]["targetPort"] = 8080
    if schema.errors(good):
        failures.append(f"self-check int-or-string: an integer targetPort was refused: "
                        f"{schema.errors(good)}")

    pvc = next(d.body for d in plain_docs if d.kind == "PersistentVolumeClaim")
    bad = copy.deepcopy(pvc)
    bad["spec"]["resources"]["requests"]["storage"] = {"size": 1}
    expect("quantity", schema.errors(bad), "$.spec.resources.requests.storage")

    expect("unknown kind", schema.errors({"apiVersion": "v1", "kind": "Bogus"}), "no schema")

    expect("undocumented config", config_doc.problems(
        {"bogus_section": {"x": 1}, "log_level": "info", "http_server": {"sockets_typo": []}}),
        "[bogus_section]: section not documented",
        "http_server.sockets_typo: key not documented")

    context = {"Values": {"a": {"b": "x"}, "n": 1000000},
               "Release": {"Name": "r", "Namespace": "n"}, "Chart": {}}
    for label, template in (("include", '{{ include "x" . }}'),
                            ("missing value", "{{ .Values.a.c }}"),
                            ("trim after", "{{ .Values.a.b -}}"),
                            ("default", '{{ .Values.a.b | default "y" }}'),
                            ("float print", "{{ .Values.n }}"),
                            ("unclosed if", "{{- if .Values.a.b }}x"),
                            ("range", "{{- range .Values.a }}{{- end }}")):
        try:
            render(template, context, "self-check")
            failures.append(f"self-check renderer: {label}: {template!r} was accepted")
        except RenderError:
            pass
    expected = "a:\n  x\n  y\nb: \"x\"\n  c:\n  - k: v\n  d: \"true\"\n  e: []"
    got = render('a:\n{{ .Values.t | indent 2 }}\nb: {{ .Values.a.b | quote }}'
                 '{{- toYaml .Values.y | nindent 2 }}',
                 dict(context, Values={"t": "x\ny", "a": {"b": "x"},
                                       "y": {"e": [], "d": "true", "c": [{"k": "v"}]}}),
                 "self-check")
    if got != expected:
        failures.append(f"self-check renderer output: expected {expected!r}, got {got!r}")
    return failures


# ---------------------------------------------------------------------------------------------

def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    root = os.path.abspath(argv[1])
    report = Report(root)
    schema = Schema(os.path.join(root, "tests", "deploy", "k8s-openapi-subset.json"))
    config_doc = KbsConfigDoc(os.path.join(root, "docs", "config.md"))

    kdir = os.path.join(root, "deploy", "kubernetes")
    check_kustomization(report, kdir)
    plain = []
    for path in sorted(glob.glob(os.path.join(kdir, "*.yaml"))):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        with open(path, encoding="utf-8") as f:
            plain.extend(load_docs(report, report.rel(path), f.read()))
    validate_docs(report, schema, plain)
    plain_config = cross_checks(report, plain, "deploy/kubernetes", config_doc, True)

    chart_dir = os.path.join(root, "deploy", "helm", "cocoon")
    chart = []
    variants = [("default values", None),
                ("with tolerations and a StorageClass",
                 {"node": {"tolerations": [{"key": "node-role.kubernetes.io/control-plane",
                                            "operator": "Exists", "effect": "NoSchedule"}]},
                  "kbs": {"storage": {"storageClassName": "standard"}}})]
    for label, overrides in variants:
        docs = []
        try:
            for path, text in render_chart(chart_dir, overrides, root):
                if path.endswith(".txt"):
                    continue  # NOTES.txt: rendered (so it keeps to the subset), not a manifest
                name = f"{report.rel(path)} (rendered, {label})"
                docs.extend(load_docs(report, name, text))
        except RenderError as e:
            report.add(report.rel(chart_dir), "render", str(e))
            continue
        validate_docs(report, schema, docs)
        chart_config = cross_checks(report, docs, f"deploy/helm/cocoon ({label})", config_doc,
                                    False)
        if overrides is None:
            chart = docs
            if plain_config is not None and chart_config != plain_config:
                report.add("deploy/helm/cocoon/values.yaml", "$.kbs.config",
                           "differs from deploy/kubernetes/kbs.yaml's kbs-config.toml")
        else:
            tol = [d for d in docs if d.kind == "DaemonSet"]
            if not tol or not get(tol[0].body, "spec", "template", "spec", "tolerations"):
                report.add(f"deploy/helm/cocoon ({label})", "DaemonSet",
                           "node.tolerations did not reach the DaemonSet")
    if chart:
        same_setup(report, plain, chart)

    failures = self_checks(schema, config_doc, plain) if plain else ["no manifests loaded"]
    for line in report.problems + failures:
        print(line, file=sys.stderr)
    if report.problems or failures:
        print(f"check_manifests: {len(report.problems)} problem(s), {len(failures)} self-check "
              f"failure(s)", file=sys.stderr)
        return 1
    print(f"check_manifests: {len(plain)} manifests and {len(chart)} rendered chart documents "
          f"valid against {len(schema.definitions)} Kubernetes definitions; self-checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
