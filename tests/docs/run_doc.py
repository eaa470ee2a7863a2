#!/usr/bin/env python3
"""Runs the commands of one documentation page as written, in order, and fails on the first one
that fails.

What it runs (see tests/docs/README.md):
  * every fenced ```sh block, verbatim, in one bash process (`set -eo pipefail`), so shell
    variables, `cd` and background services carry from one block to the next;
  * every fenced ```console block: each `$ command` line (with `\\` continuations) runs, and the
    lines up to the next `$ ` are the expected output (stdout and stderr together; `…` in a
    line matches any text, a line that is only `…` any number of lines). A command there may
    fail: the next `$ echo $?` shows its status;
  * every fenced block whose info string has `file=NAME` (```rego file=policy.rego) is written to
    NAME in the current directory at that point;
  * a block whose info string has `same-as=PATH` (```toml same-as=examples/kbs/dev.toml) must
    equal that file of the repository, so a page that shows a file cannot drift from it;
  * a block right after the line `<!-- doc-test: skip -->` is not run.

Isolation: the page runs in a new network namespace (its own loopback, so the page's literal
ports 8080, 5000, … are free) and a new mount namespace in which /tmp is the test's scratch
directory (so /tmp/coco is private to this test) and SOURCE/build is the build directory under
test. It starts in the repository root. Services the page starts with `&` are stopped by pid
when it ends, whatever the outcome.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

SKIP_MARK = "<!-- doc-test: skip -->"
FENCE = re.compile(r"^(\s*)```(.*)$")


class Block:
    def __init__(self, lang, attrs, line, text, skip):
        self.lang, self.attrs, self.line, self.text, self.skip = lang, attrs, line, text, skip


def parse_blocks(path):
    """Returns the fenced blocks of a Markdown file, with the line each starts on."""
    blocks = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    last_text = ""
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                last_text = lines[i].strip()
            i += 1
            continue
        indent, info = m.group(1), m.group(2).strip()
        words = info.split()
        lang = words[0] if words else ""
        attrs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith("```"):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        if i >= len(lines):
            sys.exit(f"{path}:{start}: unterminated code block")
        blocks.append(Block(lang, attrs, start, "\n".join(body) + "\n", last_text == SKIP_MARK))
        last_text = ""
        i += 1
    return blocks


def console_steps(block):
    """Splits a console block into (command, expected output lines)."""
    steps = []
    lines = block.text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            sys.exit(f"console block at line {block.line}: expected a '$ ' line, got {lines[i]!r}")
        cmd = [lines[i][2:]]
        while cmd[-1].endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd.append(lines[i])
        i += 1
        out = []
        while i < len(lines) and not lines[i].startswith("$ "):
            out.append(lines[i])
            i += 1
        steps.append(("\n".join(cmd), out))
    return steps


PRELUDE = r"""
set -eo pipefail
__doctest_where=""
__doctest_rc=0
__doctest_fail() {
  local rc=$1 cmd=$2
  if [[ $- == *e* ]]; then
    echo "doc-test: FAILED (exit $rc) in the block at $__doctest_where: $cmd" >&2
  fi
}
trap '__doctest_fail $? "$BASH_COMMAND"' ERR
__doctest_stop() {
  local pids="" p
  for p in $(jobs -p); do  # still running (a page's own `kill` leaves zombies until reaped)
    if [ -r /proc/$p/status ] && ! grep -q '^State:.*Z' /proc/$p/status; then pids="$pids $p"; fi
  done
  if [ -n "$pids" ]; then
    echo "doc-test: stopping the page's background processes still running:$pids" >&2
    kill $pids 2>/dev/null || true
    wait 2>/dev/null || true
  fi
}
trap __doctest_stop EXIT
__doctest_expect() {  # $1 = captured output, $2 = expected lines (file), $3 = where
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import re, sys
got = open(sys.argv[1], encoding="utf-8", errors="replace").read()
want = open(sys.argv[2], encoding="utf-8").read().rstrip("\n").split("\n")
got = "".join(l.rstrip() + "\n" for l in got.rstrip("\n").split("\n")) if got.strip() else ""
pattern = ""
for w in ([] if want == [""] else want):
    if w.strip() == "…":
        pattern += r"(?:[^\n]*\n)*?"  # a line of its own: any number of lines
    else:
        pattern += r"[^\n]*".join(re.escape(p) for p in w.rstrip().split("…")) + r"\n"
if re.fullmatch(pattern, got) is None:
    print(f"doc-test: FAILED output mismatch at {sys.argv[3]}", file=sys.stderr)
    print("--- expected\n" + "\n".join(want) + "\n--- got\n" + got, file=sys.stderr)
    sys.exit(1)
PY
}
"""


def heredoc(text, tag="DOCTEST_EOF"):
    return f"<<'{tag}'\n{text}{'' if text.endswith(chr(10)) else chr(10)}{tag}\n"


def build_script(page, blocks, scratch):
    """The bash script that runs the page; expected outputs go to files in `scratch`."""
    name = os.path.basename(page)
    out = [PRELUDE]
    n = 0
    for b in blocks:
        where = f"{name}:{b.line}"
        if b.skip:
            out.append(f"echo 'doc-test: {where}: skipped ({SKIP_MARK})' >&2\n")
            continue
        if "file" in b.attrs:
            out.append(f"__doctest_where={shlex.quote(where)}\n")
            out.append(f"echo 'doc-test: {where}: writes {b.attrs['file']}' >&2\n")
            out.append(f"cat > {shlex.quote(b.attrs['file'])} " + heredoc(b.text))
            continue
        if b.lang in ("sh", "bash"):
            out.append(f"__doctest_where={shlex.quote(where)}\n")
            out.append(f"echo 'doc-test: {where}: running' >&2\n")
            out.append(b.text)
            out.append("\n")
        elif b.lang == "console":
            for cmd, want in console_steps(b):
                n += 1
                expected = os.path.join(scratch, f".doctest-expected-{n}")
                out.append(f"cat > {shlex.quote(expected)} " + heredoc("\n".join(want) + "\n"))
                captured = os.path.join(scratch, f".doctest-output-{n}")
                out.append(f"__doctest_where={shlex.quote(where)}\n")
                out.append(f"echo {shlex.quote(f'doc-test: {where}: $ {cmd}')} >&2\n")
                out.append("set +e\n(exit $__doctest_rc)\n")
                out.append(f"{{ {cmd}\n}} > {shlex.quote(captured)} 2>&1\n")
                out.append("__doctest_rc=$?\nset -e\n")
                out.append(f"cat {shlex.quote(captured)} >&2\n")
                out.append(f"__doctest_expect {shlex.quote(captured)} {shlex.quote(expected)} "
                           f"{shlex.quote(where)}\n")
    out.append("echo 'doc-test: every command of the page ran as written' >&2\n")
    return "".join(out)


def inner(args):
    """Inside the namespaces: private /tmp and loopback, then run the page."""
    blocks = parse_blocks(args.page)
    for b in blocks:
        if "same-as" in b.attrs:
            path = os.path.join(args.source_dir, b.attrs["same-as"])
            with open(path, encoding="utf-8") as f:
                if f.read() != b.text:
                    print(f"doc-test: FAILED: the block at {os.path.basename(args.page)}:{b.line} "
                          f"differs from {b.attrs['same-as']}", file=sys.stderr)
                    return 1
    run = lambda *c: subprocess.run(c, check=True)
    run("mount", "--make-rprivate", "/")
    build_link = os.path.join(args.source_dir, "build")
    if os.path.realpath(args.binary_dir) != os.path.realpath(build_link):
        os.makedirs(build_link, exist_ok=True)
        run("mount", "--bind", args.binary_dir, build_link)
    run("mount", "--bind", args.scratch, "/tmp")  # after the above: either may live in /tmp
    run("ip", "link", "set", "lo", "up")
    script = build_script(args.page, blocks, "/tmp")
    path = "/tmp/.doctest-script.sh"
    with open(path, "w", encoding="utf-8") as f:
        f.write(script)
    env = dict(os.environ)
    env["TMPDIR"] = "/tmp"
    rc = subprocess.run(["bash", path], cwd=args.source_dir, env=env).returncode
    return rc


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("page")
    p.add_argument("--source-dir", required=True)
    p.add_argument("--binary-dir", required=True)
    p.add_argument("--scratch", required=True, help="emptied, then the page's /tmp")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--print-script", action="store_true", help="print the script, run nothing")
    args = p.parse_args()
    for a in ("page", "source_dir", "binary_dir", "scratch"):
        setattr(args, a, os.path.abspath(getattr(args, a)))
    if args.print_script:
        print(build_script(args.page, parse_blocks(args.page), args.scratch))
        return 0
    if args.inner:
        return inner(args)
    shutil.rmtree(args.scratch, ignore_errors=True)
    os.makedirs(args.scratch)
    os.chmod(args.scratch, 0o1777)
    ns = ["unshare", "--mount", "--net", "--fork"]
    if os.geteuid() != 0:
        ns[1:1] = ["--user", "--map-root-user"]
    cmd = ns + [sys.executable, os.path.abspath(__file__), "--inner", args.page,
                "--source-dir", args.source_dir, "--binary-dir", args.binary_dir,
                "--scratch", args.scratch]
    rc = subprocess.run(cmd).returncode
    print(f"doc-test: {os.path.basename(args.page)}: {'PASSED' if rc == 0 else 'FAILED'}; "
          f"its files are in {args.scratch}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
