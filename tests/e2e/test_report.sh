#!/usr/bin/env bash
# test_report.sh - a collector's view of a fleet: three real crashes of
# Debian's 6.1 kernel on three "hosts" (two sysrq crashes, one NULL
# dereference from the test module), their dump directories laid out as an
# SFTP drop box keeps them (site/host/dump), plus dumps whose metadata a
# hostile host crafted (markup in every field, a planted link).  Checks the
# signature the capture wrote into metadata.json, 'lifeboat report' as text
# and JSON, and the HTML page in a real browser (Debian's chromium, headless):
# it renders, the timeline is there with a mark per crash, and nothing taken
# from a dump executes.  The page's screenshot is kept in
# $LIFEBOAT_CACHE/results/report.png.
source "$(dirname "$0")/lib.sh"

e2e_begin
PY=/usr/bin/python3
fetch_kernel linux-image-cloud-amd64
build_crash_module
fleet=$work/fleet

# crash_host HOST MODE: one crash of a guest called HOST; its dump directory goes to
# $fleet/site/HOST/ (what the capture wrote: metadata.json, info.json, dmesg.txt).
crash_host() {
    local host=$1 mode=$2 case_dir=$work/$1
    mkdir -p "$case_dir"
    make_disk "$case_dir/disk.img" 1G LBDUMP
    build_guest_initramfs "$case_dir/guest.cpio" "target fs LABEL=LBDUMP /crash"
    run_guest "$case_dir/serial.log" "$case_dir/guest.cpio" \
        "crashkernel=192M lbtest.crash=$mode lbtest.hostname=$host" \
        -drive "file=$case_dir/disk.img,if=none,id=dump,format=raw" \
        -device nvme,drive=dump,serial=lbdump || true
    local name
    name=$(dump_dirs "$case_dir/disk.img" /crash | head -n1)
    mkdir -p "$fleet/site/$host/$name"
    for f in metadata.json info.json dmesg.txt; do
        fetch_file "$case_dir/disk.img" "/crash/$name/$f" "$fleet/site/$host/$name/$f" || true
    done
    rm -f "$case_dir/disk.img"
}

CRASH_MODULE=$CRASH_MODULE crash_host web1 sysrq
CRASH_MODULE=$CRASH_MODULE crash_host web2 sysrq
CRASH_MODULE=$CRASH_MODULE crash_host db1 null

check "each capture wrote its crash's signature into metadata.json, as the report reads it" $PY -c '
import json, sys, glob
for path in sorted(glob.glob(sys.argv[1] + "/site/*/*/metadata.json")):
    m = json.load(open(path))
    assert len(m["signature"]) == 16 and m["signature_frames"], (path, m)
    print(m["hostname"], m["signature"], m["signature_reason"], m["signature_frames"])
web = [json.load(open(p))["signature"] for p in glob.glob(sys.argv[1] + "/site/web*/*/metadata.json")]
db = [json.load(open(p)) for p in glob.glob(sys.argv[1] + "/site/db1/*/metadata.json")]
assert len(web) == 2 and web[0] == web[1], web
assert len(db) == 1 and db[0]["signature"] != web[0], db
assert "NULL pointer dereference" in db[0]["signature_reason"], db
# the module has no symbols triage can read: its frame is named for what it is
assert db[0]["signature_frames"][:2] == ["(in a module)", "do_one_initcall"], db
web1 = json.load(open(glob.glob(sys.argv[1] + "/site/web1/*/metadata.json")[0]))
assert web1["signature_frames"][:3] == ["sysrq_handle_crash", "__handle_sysrq", "write_sysrq_trigger"], web1
' "$fleet"

# What a hostile host can write: markup in its name, its kernel, its reason and frames, and a
# dump directory whose very name is markup; a link to elsewhere planted in the tree.
evil='<script>document.body.setAttribute("data-pwned","1")</script>'
mkdir -p "$fleet/site/evil/20261201-000000-evil" "$fleet/site/evil/20261202-000000-<img src=x onerror=alert(1)>"
cat > "$fleet/site/evil/20261201-000000-evil/metadata.json" <<JSON
{
  "status": "complete",
  "hostname": "$(printf '%s' "$evil" | sed 's/"/\\"/g')",
  "kernel_release": "6.1\"><img src=x onerror=document.body.setAttribute('data-pwned','2')>",
  "crash_time": "2026-12-01T00:00:00Z",
  "signature": "00112233445566ff",
  "signature_reason": "BUG: </p><script>document.body.setAttribute('data-pwned','3')</script>",
  "signature_frames": ["<svg onload=document.body.setAttribute('data-pwned','4')>", "\u001b[2J"],
  "error": null
}
JSON
cp "$fleet/site/evil/20261201-000000-evil/metadata.json" "$fleet/site/evil/20261202-000000-<img src=x onerror=alert(1)>/"
ln -s /etc "$fleet/site/evil/elsewhere"
mkdir -p "$work/outside/20261203-000000-outside"
cp "$fleet/site/evil/20261201-000000-evil/metadata.json" "$work/outside/20261203-000000-outside/"
ln -s "$work/outside" "$fleet/site/planted"

check "report groups the crashes by signature, most frequent first, and follows no planted link" bash -c '
    "$1" report "$2" > "$3" && cat "$3" &&
    grep -q "^5 crashes on 4 hosts, 3 signatures" "$3" &&
    head -n 3 "$3" | tail -n 1 | grep -q "2 crashes on 2 hosts" &&
    sed -n 4p "$3" | grep -q "sysrq triggered crash" && ! grep -q outside "$3" &&
    ! grep -q "$(printf "\033")" "$3"' _ "$LIFEBOAT_BIN" "$fleet" "$work/report.txt"
check "report --json is JSON and says what text says" $PY -c '
import json, subprocess, sys
r = json.loads(subprocess.run([sys.argv[1], "report", "--json", sys.argv[2]], check=True,
                              capture_output=True, text=True).stdout)
assert r["crashes"] == 5 and r["hosts"] == 4 and len(r["signatures"]) == 3, r
top = r["signatures"][0]
assert top["count"] == 2 and top["hosts"] == ["web1", "web2"] and top["kernels"], top
assert top["frames"][0] == "sysrq_handle_crash", top
assert all(d["path"].startswith(sys.argv[2]) for s in r["signatures"] for d in s["dumps"])
print(json.dumps(top, indent=1))' "$LIFEBOAT_BIN" "$fleet"

# The page in a real browser: chromium runs what scripts a page has, so an escape that
# failed would show on the DOM it dumps (data-pwned on the body) and as elements.
"$LIFEBOAT_BIN" report --html "$fleet" > "$work/report.html"
mkdir -p "$LIFEBOAT_CACHE/results"
browser() { timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$work/chromium" --window-size=1280,1400 "$@" "file://$work/report.html"; }
browser --dump-dom > "$work/dom.html" 2>"$work/chromium.log" || tail -n 5 "$work/chromium.log"
rm -f "$LIFEBOAT_CACHE/results/report.png"
browser --screenshot="$LIFEBOAT_CACHE/results/report.png" >/dev/null 2>&1
check "chromium renders the page: the timeline has a mark per crash, a section per signature" bash -c '
    n=$(grep -o "<circle class=\"crash\"" "$1" | wc -l)
    s=$(grep -o "<section class=\"signature\">" "$1" | wc -l)
    echo "$n marks, $s signatures"; [ "$n" = 5 ] && [ "$s" = 3 ] && grep -q "<svg id=\"timeline\"" "$1"
    ' _ "$work/dom.html"
check "nothing from a dump executed in the browser, nor became markup" $PY -c '
import re, sys
dom = open(sys.argv[1]).read()
body = re.search(r"<body[^>]*>", dom).group(0)
assert "pwned" not in body, body
assert not re.search(r"<(script|img|iframe|object|embed)\b", dom, re.I), "element from a dump"
assert len(re.findall(r"<svg\b", dom)) == 1, "an svg from a dump"
assert "&lt;script&gt;document.body.setAttribute" in dom
print("body:", body)' "$work/dom.html"
check "the page's screenshot is saved ($LIFEBOAT_CACHE/results/report.png)" bash -c '
    file "$1" | grep "PNG image data, 1280 x 1400"' _ "$LIFEBOAT_CACHE/results/report.png"
e2e_end
