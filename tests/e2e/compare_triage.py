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


def main():
    info = json.load(open(sys.argv[2]))
    if sys.argv[1] == "console":
        console(info, sys.argv[3])
    elif sys.argv[1] == "crash":
        crash(info, sys.argv[3])
    else:
        drgn_tasks(info, sys.argv[3], sys.argv[4])


if __name__ == "__main__":
    main()
