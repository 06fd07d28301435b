#!/usr/bin/python3
"""compare_triage.py - lifeboat's triage report against independent judges.

  compare_triage.py console INFO.json SERIAL.log
      the panic message, the BUG/Oops cause and the panicking CPU, pid and
      comm are those the dying kernel printed on its console
  compare_triage.py crash INFO.json CRASH.out
      crash's bt names the same pid and command, and its top frames appear,
      in order, in lifeboat's stack; the panic message is in crash's log
  compare_triage.py crash-guest INFO.json CRASH.out DMESG.txt FACTS.gz SERIAL.log
      for kernels newer than Debian 12's judges, crash's reading of the dump
      (tests/e2e/lib.sh's ensure_crash_judge), judged as 'crash' is and
      against what the guest did: crash's log is the capture's DMESG.txt
      record for record, its bt has the console's call trace from panic on,
      in order, and its ps is the guest's task list (as in 'guest')
  compare_triage.py drgn INFO.json DUMP VMLINUX
      the task list has the same pids and comms as drgn's for_each_task
  compare_triage.py guest INFO.json FACTS.gz SERIAL.log
      for kernels newer than Debian 12's crash and drgn (they do not read
      Linux 7.x), what the guest said of itself (tests/e2e/guest/init,
      lbtest.facts): the frames of the panic's own call trace on the console
      appear, in order and at the same offsets, in lifeboat's stack, and every
      frame's symbol is where the guest's /proc/kallsyms puts it; the task list
      is the guest's, sampled just before the crash, with the same parents
      and states
"""
import json
import re
import sys


CAUSE = r"(?:BUG: |kernel BUG at |Oops: |general protection fault|invalid opcode: |INFO: task )"
WHO = r"CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (\S+)"


def console(info, log):
    # only the first kernel's console: the crash kernel's own lines come after "Command line"
    text = open(log, errors="replace").read()
    text = text[: text.find("elfcorehdr=")] if "elfcorehdr=" in text else text
    panics = re.findall(r"\] (Kernel panic - not syncing: [^\r\n]*)", text)
    causes = re.findall(r"\] (" + CAUSE + r"[^\r\n]*)", text)
    assert panics or causes, "the console shows no panic, BUG or Oops"
    if panics:
        assert info["panic"] == panics[-1].rstrip(), (info["panic"], panics[-1])
        # the panic's dump_stack, right after it, names the panicking task
        who = re.findall(WHO, text[text.rfind(panics[-1]):])[:1]
    else:  # an oops that kexec'd before panic() printed: the oops names the task
        assert info["panic"] == causes[0].rstrip(), (info["panic"], causes[0])
        who = re.findall(WHO, text[text.find(causes[0]):])[:1]
    assert who, "the console names no panicking task"
    cpu, pid, comm = who[0]
    assert (info["panic_cpu"], info["panic_pid"], info["panic_comm"]) == (int(cpu), int(pid), comm), \
        (info["panic_cpu"], info["panic_pid"], info["panic_comm"], who[0])
    if causes and panics:
        assert info["cause"] == causes[0].rstrip(), (info["cause"], causes[0])
    print(f"panic {info['panic']!r}, cause {info['cause']!r}, cpu {cpu} pid {pid} {comm}: as on the console")


def crash(info, out):
    text = open(out, errors="replace").read()
    m = re.search(r'PID: (\d+)\s+TASK: \S+\s+CPU: (\d+)\s+COMMAND: "([^"]+)"', text)
    assert m, "no bt header in crash's output"
    assert (info["panic_pid"], info["panic_comm"]) == (int(m.group(1)), m.group(3)), m.groups()
    bt = text[m.end():]
    # After an exception, the saved registers are the exception's: lifeboat's stack
    # starts there, as crash's does after its "[exception RIP: ...]" line.
    exception = bt.find("[exception RIP:")
    frames = re.findall(r"#\d+ \[[0-9a-f]+\] (\S+) at ", bt[exception:] if exception >= 0 else bt)
    if exception < 0:
        frames = frames[1:]  # crash's #0 is where it says the CPU was (machine_kexec)
    ours = [f["symbol"].split("+")[0] for f in info["stack"] if f["symbol"]]
    wanted = [f for f in frames[:5] if f in ours]
    assert len(wanted) >= 3, (frames[:8], ours[:12])
    pos = 0
    for f in wanted:
        assert f in ours[pos:], (f, wanted, ours)
        pos = ours.index(f, pos) + 1
    assert info["panic"] in text, "the panic message is not in crash's log"
    print(f"pid {m.group(1)} {m.group(3)}; crash's frames {wanted} appear in order")


def drgn_tasks(info, dump, vmlinux):
    import drgn
    from drgn.helpers.linux.pid import for_each_task
    prog = drgn.Program()
    prog.set_core_dump(dump)
    prog.load_debug_info([vmlinux])
    theirs = {(t.pid.value_(), t.comm.string_().decode()) for t in for_each_task(prog)}
    ours = {(t["pid"], t["comm"]) for t in info["tasks"] if t["pid"] != 0}
    assert ours == theirs, (sorted(ours - theirs)[:10], sorted(theirs - ours)[:10])
    print(f"{len(ours)} tasks, the same as drgn's")


def read_facts(path):
    import gzip
    text = gzip.open(path, "rt", errors="replace").read()
    assert "== end" in text, "the guest's facts are cut short"
    tasks, kallsyms = {}, {}
    for line in text.split("== tasks\n")[1].split("== kallsyms\n")[0].splitlines():
        tid, state, ppid, comm = line.split(" ", 3)
        tasks[int(tid)] = (state, int(ppid), comm)
    for line in text.split("== kallsyms\n")[1].split("== end")[0].splitlines():
        f = line.split()
        if len(f) == 3:  # the core kernel's (a module's have a 4th field)
            kallsyms.setdefault(f[2], set()).add((int(f[0], 16), f[1]))
    return tasks, kallsyms


def console_trace(log):
    """The panic's call trace on the first kernel's console, its reliable frames (no '?'),
    from panic on: what comes before is where the CPU was when it printed, not when it
    stopped.  Symbol+offset, in order."""
    text = open(log, errors="replace").read()
    text = text[: text.find("elfcorehdr=")] if "elfcorehdr=" in text else text
    trace = text[text.rfind("Kernel panic - not syncing"):]
    trace = trace[trace.find("Call Trace:"):]
    console = re.findall(r"\]  ([A-Za-z_][\w.]*\+0x[0-9a-f]+)/0x[0-9a-f]+", trace.split("<TASK>")[-1]
                         if "<TASK>" in trace else trace)
    console = console[[c.split("+")[0] for c in console].index("panic"):] if any(
        c.startswith("panic+") for c in console) else []
    assert len(console) >= 5, ("too few frames on the console to judge", console)
    return console


def in_order(wanted, ours):
    pos = 0
    for c in wanted:
        assert c in ours[pos:], (c, wanted, ours)
        pos = ours.index(c, pos) + 1


def same_tasks(tasks, ours_t):
    """The guest's tasks (pid: (state, ppid, comm) from /proc, sampled just before the crash)
    against a dump's (pid: {"comm", "ppid", "state"}, crash's state names): the same pids,
    comms (the kernel keeps 15 bytes; a kworker's /proc name adds its workqueue after a '-',
    or after a '+' while it runs one), parents and states; only kernel workers may have come
    since, and a few tasks woken or gone to sleep.  Returns (new, changed) for the summary."""
    states = {"R": "RU", "S": "IN", "D": "UN", "I": "ID", "T": "ST", "t": "TR", "Z": "ZO"}
    missing = sorted(set(tasks) - set(ours_t))
    assert not missing, ("tasks the guest had, not in the dump", [(p, tasks[p]) for p in missing])
    new = [(p, ours_t[p]["comm"]) for p in set(ours_t) - set(tasks)]
    assert all(c.startswith("kworker/") for _, c in new) and len(new) <= 5, ("tasks since", new)
    differ = []
    for pid, (state, ppid, comm) in tasks.items():
        t = ours_t[pid]
        assert comm.startswith(t["comm"]) and (
            comm == t["comm"] or len(t["comm"]) == 15 or comm[len(t["comm"])] in "-+"), (pid, comm, t)
        assert t["ppid"] == ppid, (pid, comm, ppid, t)
        if states.get(state) != t["state"]:
            differ.append((pid, comm, state, t["state"]))
    # a task may wake or sleep between the sample and the crash: a few, not many
    assert len(differ) <= 3, ("states differ", differ)
    return new, differ


def guest(info, facts, log):
    tasks, kallsyms = read_facts(facts)
    # The stack: the panic's call trace on the console ...
    console = console_trace(log)
    ours = [f["symbol"] for f in info["stack"] if f["symbol"]]
    in_order(console, ours)
    # ... and each frame's symbol where the guest's /proc/kallsyms has it
    for f in info["stack"]:
        if not f["symbol"] or "+" not in f["symbol"]:
            continue
        name, off = f["symbol"].rsplit("+", 1)
        at = int(f["address"], 16) - int(off, 16)
        assert (at, "T") in kallsyms.get(name, ()) or (at, "t") in kallsyms.get(name, ()), \
            (f, sorted(kallsyms.get(name, ())))
    # The tasks: the guest's, by pid, comm, parent and state.
    new, differ = same_tasks(tasks, {t["pid"]: t for t in info["tasks"] if t["pid"] != 0})
    print(f"{len(console)} console frames in order, {len(ours)} frames at the guest's kallsyms "
          f"addresses; {len(tasks)} tasks as the guest had them ({len(new)} since, "
          f"{len(differ)} states changed)")


def crash_guest(info, out, dmesg, facts, log):
    text = open(out, errors="replace").read()
    crash(info, out)  # bt's task and frames are lifeboat's, the panic message in its log
    # log: the capture's dmesg.txt, record for record (crash indents a record's continuation
    # lines under its text, vmcore-dmesg and lifeboat do not)
    want = open(dmesg, errors="replace").read().splitlines()
    lines = text.splitlines()
    first = [i for i, line in enumerate(lines) if line == want[0]]
    assert first, ("crash's log does not start as dmesg.txt does", want[0])
    got = lines[first[0]:first[0] + len(want)]
    got = [g if g.startswith("[") else g.lstrip() for g in got]
    bad = [(w, g) for w, g in zip(want, got) if w.lstrip() != g]
    assert len(got) == len(want) and not bad, (len(got), len(want), bad[:3])
    # bt: the console's call trace, names in order (crash adds the frames the console marks '?')
    m = re.search(r'PID: (\d+)\s+TASK: \S+\s+CPU: (\d+)\s+COMMAND: "([^"]+)"', text)
    bt = re.findall(r"#\d+ \[[0-9a-f]+\] (\S+) at ", text[m.end():text.find(want[0])])
    console = [c.split("+")[0] for c in console_trace(log)]
    in_order(console, bt)
    # ps: the guest's tasks (crash's kernel threads are in brackets; '>' marks a running one)
    ps = {}
    for p in re.finditer(r"^[> ]\s*(\d+)\s+(\d+)\s+\d+\s+[0-9a-f]{16}\s+([A-Z]{2})\s+[\d.]+\s+\d+\s+\d+\s+"
                         r"(\S.*)$", text, re.M):
        pid, comm = int(p.group(1)), p.group(4).strip()
        comm = comm[1:-1] if comm.startswith("[") and comm.endswith("]") else comm
        if pid:
            ps[pid] = {"comm": comm, "ppid": int(p.group(2)), "state": p.group(3)}
    tasks, _ = read_facts(facts)
    new, differ = same_tasks(tasks, ps)
    print(f"log: {len(want)} lines, dmesg.txt's; bt of pid {m.group(1)} {m.group(3)}: the console's "
          f"{' '.join(console[:4])} ... {console[-1]} in order; ps: {len(ps)} tasks, the guest's "
          f"{len(tasks)} ({len(new)} since, {len(differ)} states changed)")


def main():
    info = json.load(open(sys.argv[2]))
    if sys.argv[1] == "console":
        console(info, sys.argv[3])
    elif sys.argv[1] == "crash":
        crash(info, sys.argv[3])
    elif sys.argv[1] == "crash-guest":
        crash_guest(info, *sys.argv[3:7])
    elif sys.argv[1] == "guest":
        guest(info, sys.argv[3], sys.argv[4])
    else:
        drgn_tasks(info, sys.argv[3], sys.argv[4])


if __name__ == "__main__":
    main()
