#!/bin/sh
# The include graph of engine/ and app/ follows the layers of docs/design.md:
#
#   core < {data, nn} < {prep, detect, eval, plot} < workspace < run < app
#
# (a) no file under engine/ includes anything from app/;
# (b) an include points to its own directory or to one in the same or a lower
#     layer (offenders listed as file:line);
# (c) there is no cycle between directories (app, app/cmd, app/tui and every
#     engine directory are nodes).
# Nodes: engine/<dir>/ is <dir>; engine/workspace.[ch] is workspace; any other
# file directly in engine/ (oddity.h, the umbrella header; run.c) and
# engine/run/ are run; app/ is app and app/<dir>/ is app/<dir> (layer app).
# An engine directory without a layer fails the test until it gets one here.
# Quoted includes are resolved like the compiler does: the including file's
# directory, then engine/, app/, app/cmd/, app/tui/ (the -I paths of the
# build); headers not found there (config.h, system headers) are not edges.
# The last checks run the checker on small made-up trees with violations in
# them, so a checker that stopped finding anything would fail too.
top=${top_srcdir:-.}
n=0
check() { n=$((n+1)); if [ -z "$2" ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "$2" | sed 's/^/#   /'; fi; }

# layers_scan DIR: one line per finding, tagged APP, UNCLASSIFIED, LAYER or CYCLE.
layers_scan() (
    cd "$1" || exit 1
    files=$(find engine app -name '*.[ch]' 2>/dev/null | LC_ALL=C sort)
    [ -n "$files" ] || exit 0
    # shellcheck disable=SC2086
    grep -nH '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $files /dev/null | awk '
    function norm(p,    a, k, i, out, m) {
        k = split(p, a, "/"); m = 0
        for (i = 1; i <= k; i++) {
            if (a[i] == "" || a[i] == ".") continue
            if (a[i] == ".." && m > 0 && out[m] != "..") { m--; continue }
            out[++m] = a[i]
        }
        p = ""
        for (i = 1; i <= m; i++) p = p (i > 1 ? "/" : "") out[i]
        return p
    }
    function exists(p,    r, line) { r = (getline line < p); close(p); return r >= 0 }
    function node(p,    a, k) {
        k = split(p, a, "/")
        if (a[1] == "engine") {
            if (k == 2) return a[2] ~ /^workspace\.[ch]$/ ? "workspace" : "run"
            return a[2]
        }
        if (a[1] == "app") return k == 2 ? "app" : "app/" a[2]
        return ""
    }
    function layer(nd) {
        if (nd == "core") return 0
        if (nd == "data" || nd == "nn") return 1
        if (nd == "prep" || nd == "detect" || nd == "eval" || nd == "plot") return 2
        if (nd == "workspace") return 3
        if (nd == "run") return 4
        if (nd == "app" || nd ~ /^app\//) return 5
        return -1
    }
    function dfs(u, path,    i, v) {
        color[u] = 1
        for (i = 1; i <= nout[u]; i++) {
            v = out_to[u, i]
            if (color[v] == 1) {
                if (!cycles++) print "CYCLE " cyc_path(path " -> " v)
            } else if (!color[v]) dfs(v, path " -> " v)
        }
        color[u] = 2
    }
    # "x -> y -> z -> y": the cycle "y -> z -> y  (where each arrow is)"
    function cyc_path(p,    a, k, i, s, w, start) {
        k = split(p, a, " -> ")
        for (i = 1; i < k; i++) if (a[i] == a[k]) { start = i; break }
        s = a[start]; w = ""
        for (i = start; i < k; i++) {
            s = s " -> " a[i + 1]
            w = w (w == "" ? "" : "; ") where[a[i], a[i + 1]]
        }
        return s "  (" w ")"
    }
    BEGIN { split("engine app app/cmd app/tui", inc_dirs, " ") }
    {
        # FILE:LINE:#include "x"
        c1 = index($0, ":"); file = substr($0, 1, c1 - 1); rest = substr($0, c1 + 1)
        c2 = index(rest, ":"); lno = substr(rest, 1, c2 - 1); text = substr(rest, c2 + 1)
        q1 = index(text, "\""); t = substr(text, q1 + 1); inc = substr(t, 1, index(t, "\"") - 1)
        dir = file; sub(/\/[^\/]*$/, "", dir)
        target = norm(dir "/" inc)
        if (!exists(target)) {
            target = ""
            for (i = 1; i <= 4; i++)
                if (exists(norm(inc_dirs[i] "/" inc))) { target = norm(inc_dirs[i] "/" inc); break }
        }
        if (target == "") next
        src = node(file); dst = node(target)
        if (src == "" || dst == "") next
        ls = layer(src); ld = layer(dst)
        if (ls < 0 && !(src in unclassified)) { unclassified[src] = 1; print "UNCLASSIFIED engine/" src "/ (first seen in " file ")" }
        if (ld < 0 && !(dst in unclassified)) { unclassified[dst] = 1; print "UNCLASSIFIED engine/" dst "/ (first seen in " target ")" }
        if (file ~ /^engine\// && target ~ /^app\//)
            print "APP " file ":" lno ": includes " target
        if (src == dst) next
        if (ls >= 0 && ld >= 0 && ld > ls)
            print "LAYER " file ":" lno ": " src " (layer " ls ") includes " target " (" dst ", layer " ld ")"
        if (!((src, dst) in where)) {
            where[src, dst] = file ":" lno
            out_to[src, ++nout[src]] = dst
            nodes[src] = 1; nodes[dst] = 1
        }
    }
    END {
        # visit in a fixed order so the reported cycle does not depend on awk
        k = 0
        for (u in nodes) order[++k] = u
        for (i = 2; i <= k; i++)
            for (j = i; j > 1 && order[j - 1] > order[j]; j--) { t = order[j]; order[j] = order[j - 1]; order[j - 1] = t }
        for (i = 1; i <= k; i++) if (!color[order[i]]) dfs(order[i], order[i])
    }'
)

found() { printf '%s\n' "$1" | sed -n "s/^$2 //p"; }

out=$(layers_scan "$top")
check "engine/ includes nothing from app/" "$(found "$out" APP)"
check "every engine directory has a layer (add a new one to tests/layers.sh)" "$(found "$out" UNCLASSIFIED)"
check "includes point to the same or a lower layer: core < data,nn < prep,detect,eval,plot < workspace < run < app" \
    "$(found "$out" LAYER)"
check "no include cycle between directories" "$(found "$out" CYCLE)"

# ---- self-test on made-up trees
tmp=$(mktemp -d "${TMPDIR:-/tmp}/layers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mk() { mkdir -p "$tmp/$1/$(dirname "$2")"; printf '%s\n' "$3" > "$tmp/$1/$2"; }
# a clean tree: every allowed kind of arrow, including a run/ directory
mk ok engine/core/ctx.h '/* core */'
mk ok engine/data/frame.h '#include "../core/ctx.h"'
mk ok engine/detect/detector.h '#include "../core/ctx.h"
#include "config.h"
#include <stdio.h>'
mk ok engine/prep/prep.h '#include "../data/frame.h"
#include "../detect/detector.h"'
mk ok engine/workspace.h '#include "prep/prep.h"'
mk ok engine/run/run.h '#include "../workspace.h"
#include "prep/prep.h"'
mk ok engine/oddity.h '#include "run/run.h"'
mk ok app/cmd/cmd.h '#include "oddity.h"'
mk ok app/tui/tune.h '/* tui */'
mk ok app/cmd/cmd_tune.c '#include "tui/tune.h"'
mk ok app/main.c '#include "cmd/cmd.h"'
check "self-test: a clean tree with engine/run/ passes" "$(layers_scan "$tmp/ok")"
# engine -> app, and a lower layer including a higher one
cp -R "$tmp/ok" "$tmp/bad"
mk bad engine/core/ctx.c '#include "ctx.h"
#include "../detect/detector.h"'
mk bad engine/eval/x.c '#include "repl.h"'
mk bad app/repl.h '/* app */'
mk bad engine/run/run.c '#include "cmd.h"'
mk bad engine/workspace.c '#include "run/run.h"'
got=$(layers_scan "$tmp/bad")
want="APP engine/eval/x.c:1: includes app/repl.h
APP engine/run/run.c:1: includes app/cmd/cmd.h
LAYER engine/core/ctx.c:2: core (layer 0) includes engine/detect/detector.h (detect, layer 2)
LAYER engine/eval/x.c:1: eval (layer 2) includes app/repl.h (app, layer 5)
LAYER engine/run/run.c:1: run (layer 4) includes app/cmd/cmd.h (app/cmd, layer 5)
LAYER engine/workspace.c:1: workspace (layer 3) includes engine/run/run.h (run, layer 4)"
got_sorted=$(printf '%s\n' "$got" | grep -v '^CYCLE' | LC_ALL=C sort)
check "self-test: engine -> app and upward includes are reported with file:line" \
    "$([ "$got_sorted" = "$want" ] || printf 'got:\n%s\nwant:\n%s\n' "$got_sorted" "$want")"
# a same-layer cycle (prep <-> detect) and an unknown engine directory
cp -R "$tmp/ok" "$tmp/cyc"
mk cyc engine/detect/uses_prep.c '#include "../prep/prep.h"'
mk cyc engine/misc/m.h '#include "../core/ctx.h"'
got=$(layers_scan "$tmp/cyc")
check "self-test: a cycle between same-layer directories is reported" \
    "$(printf '%s\n' "$got" | grep -Eq '^CYCLE (detect -> prep -> detect|prep -> detect -> prep) ' || printf 'no cycle found in:\n%s\n' "$got")"
check "self-test: an engine directory without a layer is reported" \
    "$(printf '%s\n' "$got" | grep -q '^UNCLASSIFIED engine/misc/' || printf 'not reported in:\n%s\n' "$got")"
echo "1..$n"
