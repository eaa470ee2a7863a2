#!/usr/bin/env python3
"""Fails when an #include crosses the module layering of cocoon (docs/architecture.md, "Modules").

Rules, checked on every .h/.cc under src/, cmd/, tests/, bench/ and fuzz/:
  1. Library code in src/<m>/ includes only headers of <m> itself or of a module <m> may depend
     on (MODULE_DEPS below, taken transitively). Tests, fuzzers and test support may include more.
  2. Nobody outside module <m> includes a header under <m>/.../internal/.
  3. Test support (the testutil module and every file under a `testing/` folder) is included only
     by tests, fuzzers, benchmarks and other test support, never by library or command code.
  4. A binary in COMMAND_DEPS includes only what its libraries may use (the guest agent never
     reaches host-side modules such as runtime).
  5. MODULE_DEPS names every module under src/, and only those (a new module gets a row here).

Usage: check_layering.py [REPO_ROOT]   (exit status 1 and one line per violation when it fails)
"""

import os
import re
import sys

# Each module and the modules it may use directly. Lower rows never name higher rows: this table
# is the layering. Keep it in the order of docs/architecture.md's module map.
MODULE_DEPS = {
    "base": set(),
    "crypto": {"base"},
    "jose": {"crypto"},
    "net": {"base"},
    "podproto": {"base"},
    "initdata": {"crypto"},
    "tee": {"crypto", "net", "initdata"},  # tpm extends PCR 8 with the initdata digest
    "policy": {"crypto"},
    "attestation": {"jose", "policy", "tee", "initdata"},
    "kbs": {"attestation", "net"},
    "image": {"jose", "net"},
    "guest": {"attestation", "image", "net", "podproto"},
    "runtime": {"attestation", "image", "net", "podproto"},
    "owner": {"image", "kbs"},  # the owner's tools: encrypt an image, store its keys in the KBS
    "snapshotter": {"base"},  # containerd's proxy snapshotter (guest pull)
    "shim": {"runtime"},  # containerd's runtime v2 shim: a pod VM per pod sandbox
    # Test support: any module's tests may use it; it may use any library below the top.
    "testutil": {"base", "crypto", "jose", "net", "image"},
}

# Binaries whose reach is narrower than "everything": the guest agent links the guest side only.
COMMAND_DEPS = {
    "cocoon-agent": {"guest"},
    "cocoon-kbs": {"kbs"},
    "containerd-shim-cocoon-v2": {"shim"},
    "cocoon-snapshotter": {"snapshotter"},
}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE_DIRS = ("src", "cmd", "tests", "bench", "fuzz")


def closure(deps):
    """Returns module -> every module it may use, directly or through others."""
    result = {}

    def visit(m, seen):
        for d in deps.get(m, ()):
            if d not in seen:
                seen.add(d)
                visit(d, seen)
        return seen

    for m in deps:
        result[m] = visit(m, set())
    return result


def is_test_file(rel):
    """Tests, fuzzers, benchmarks and test support: allowed to reach test helpers."""
    parts = rel.split("/")
    name = parts[-1]
    if parts[0] in ("tests", "bench", "fuzz"):
        return True
    if parts[0] == "src" and len(parts) > 1 and parts[1] == "testutil":
        return True
    if "testing" in parts[:-1]:
        return True
    return bool(re.search(r"_(test|fuzz|bench)\.(cc|h)$", name)) or "test_util" in name


def is_test_support_header(included):
    parts = included.split("/")
    return parts[0] == "testutil" or "testing" in parts[:-1]


def command_of(rel):
    parts = rel.split("/")
    return parts[1] if parts[0] == "cmd" and len(parts) > 2 else None


def module_of_src(rel):
    parts = rel.split("/")
    return parts[1] if parts[0] == "src" and len(parts) > 2 else None


def check(root):
    errors = []
    modules = {d for d in os.listdir(os.path.join(root, "src"))
               if os.path.isdir(os.path.join(root, "src", d))}
    for m in sorted(modules - MODULE_DEPS.keys()):
        errors.append(f"src/{m}/: module not in MODULE_DEPS of tests/layering/check_layering.py")
    for m in sorted(MODULE_DEPS.keys() - modules):
        errors.append(f"MODULE_DEPS names '{m}', which is not a folder under src/")
    allowed = closure(MODULE_DEPS)

    for top in SOURCE_DIRS:
        base_dir = os.path.join(root, top)
        if not os.path.isdir(base_dir):
            continue
        for dirpath, dirnames, filenames in os.walk(base_dir):
            dirnames[:] = [d for d in dirnames if d not in ("corpus", "defaults")]
            for name in filenames:
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                errors.extend(check_file(path, rel, modules, allowed))
    return errors


def check_file(path, rel, modules, allowed):
    errors = []
    own = module_of_src(rel)
    test = is_test_file(rel)
    command = command_of(rel)
    command_reach = None
    if command in COMMAND_DEPS:
        command_reach = set(COMMAND_DEPS[command])
        for d in COMMAND_DEPS[command]:
            command_reach |= allowed.get(d, set())
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            inc = m.group(1)
            target = inc.split("/")[0]
            if target not in modules:
                continue  # generated protobuf headers, third-party, same-folder includes
            where = f"{rel}:{lineno}: #include \"{inc}\""
            if "internal" in inc.split("/")[:-1] and target != own:
                errors.append(f"{where}: internal/ header of module '{target}' used outside it")
            if is_test_support_header(inc) and not test:
                errors.append(f"{where}: test support included by non-test code")
            if own and not test and target != own and target not in allowed.get(own, set()):
                errors.append(f"{where}: module '{own}' may not depend on '{target}' "
                              f"(allowed: {', '.join(sorted(allowed.get(own, set()))) or 'none'})")
            if command_reach is not None and target not in command_reach:
                errors.append(f"{where}: {command} links only {', '.join(sorted(COMMAND_DEPS[command]))} "
                              f"and what it uses, not '{target}'")
    return errors


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    errors = check(os.path.abspath(root))
    for e in errors:
        print(e)
    if errors:
        print(f"layering check: {len(errors)} violation(s)", file=sys.stderr)
        return 1
    print("layering check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
