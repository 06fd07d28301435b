#!/usr/bin/python3
"""compare_triage.py - lifeboat's triage report against independent judges.

  compare_triage.py console INFO.json SERIAL.log
      the panic message, the BUG/Oops cause and the panicking CPU, pid and
      comm are those the dying kernel printed on its console
  compare_triage.py crash INFO.json CRASH.out
      crash's bt names the same pid and command, and its top frames appear,
      in order, in lifeboat's stack; the panic message is in crash's log
  compare_triage.py drgn INFO.json DUMP VMLINUX
      the task list has the same pids and comms as drgn's for_each_task
  compare_triage.py guest INFO.json FACTS.gz SERIAL.log
      for kernels newer than the judges (crash and drgn of Debian 12 do not
      read Linux 7.x), what the guest said of itself (tests/e2e/guest/init,
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


def guest(info, facts, log):
    tasks, kallsyms = read_facts(facts)
    # The stack: the panic's call trace on the console (its reliable frames, from panic on:
    # what comes before is where the CPU was when it printed, not when it stopped) ...
    text = open(log, errors="replace").read()
    text = text[: text.find("elfcorehdr=")] if "elfcorehdr=" in text else text
    trace = text[text.rfind("Kernel panic - not syncing"):]
    trace = trace[trace.find("Call Trace:"):]
    console = re.findall(r"\]  ([A-Za-z_][\w.]*\+0x[0-9a-f]+)/0x[0-9a-f]+", trace.split("<TASK>")[-1]
                         if "<TASK>" in trace else trace)
    console = console[[c.split("+")[0] for c in console].index("panic"):] if any(
        c.startswith("panic+") for c in console) else []
    ours = [f["symbol"] for f in info["stack"] if f["symbol"]]
    assert len(console) >= 5, ("too few frames on the console to judge", console)
    pos = 0
    for c in console:
        assert c in ours[pos:], (c, console, ours)
        pos = ours.index(c, pos) + 1
    # ... and each frame's symbol where the guest's /proc/kallsyms has it
    for f in info["stack"]:
        if not f["symbol"] or "+" not in f["symbol"]:
            continue
        name, off = f["symbol"].rsplit("+", 1)
        at = int(f["address"], 16) - int(off, 16)
        assert (at, "T") in kallsyms.get(name, ()) or (at, "t") in kallsyms.get(name, ()), \
            (f, sorted(kallsyms.get(name, ())))
    # The tasks: the guest's, by pid, comm (the kernel keeps 15 bytes; a kworker's /proc name
    # adds its workqueue after a '-', or after a '+' while it runs one), parent and state;
    # only kernel workers may have come since.
    ours_t = {t["pid"]: t for t in info["tasks"] if t["pid"] != 0}
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
    print(f"{len(console)} console frames in order, {len(ours)} frames at the guest's kallsyms "
          f"addresses; {len(tasks)} tasks as the guest had them ({len(new)} since, "
          f"{len(differ)} states changed)")


def main():
    info = json.load(open(sys.argv[2]))
    if sys.argv[1] == "console":
        console(info, sys.argv[3])
    elif sys.argv[1] == "crash":
        crash(info, sys.argv[3])
    elif sys.argv[1] == "guest":
        guest(info, sys.argv[3], sys.argv[4])
    else:
        drgn_tasks(info, sys.argv[3], sys.argv[4])


if __name__ == "__main__":
    main()
