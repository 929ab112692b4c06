#!/usr/bin/python3
"""An independent judge of cprof's execution traces (tests/integration/trace.sh):
Python's own json module parses the file, and each check is a query over
its events.  Usage: trace_judge.py FILE CHECK [ARGS...]; prints the answer
on stdout, exits 1 (with the reason on stderr) when the file does not parse
or is not a Chrome trace-event object."""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if not isinstance(d, dict) or not isinstance(d.get("traceEvents"), list):
        sys.exit("not a trace-event object")
    return d


def main():
    path, check, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    try:
        d = load(path)
    except (OSError, ValueError) as e:
        sys.exit("does not parse: %s" % e)
    ev = d["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in ev
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    tid_of = {v: k for k, v in names.items()}
    if check == "parses":
        print("yes" if d.get("displayTimeUnit") == "ns" and
              any(e.get("name") == "process_name" for e in ev) else "no")
    elif check == "names":  # the thread names, sorted
        print(" ".join(sorted(names.values())))
    elif check == "lifecycle":  # NAME: "create start exit" events it has
        t = tid_of.get(args[0])
        got = []
        if any(e.get("name") == "thread create" and e["args"].get("new_tid") == t
               and e["tid"] != t and e["args"].get("stack") for e in ev):
            got.append("create")
        for what in ("start", "exit"):
            if any(e.get("name") == "thread " + what and e["tid"] == t for e in ev):
                got.append(what)
        print(" ".join(got))
    elif check == "samples_in":  # NAME FUNC: samples of NAME whose stack has FUNC
        t = tid_of.get(args[0])
        print(sum(1 for e in ev if e.get("cat") == "cpu" and e["tid"] == t and
                  any(f.split(" ")[0] == args[1] for f in e["args"]["stack"])))
    elif check == "blocked":  # NAME REASON FUNC: total µs of those intervals whose stack has FUNC
        t = tid_of.get(args[0])
        print(round(sum(e["dur"] for e in ev if e.get("ph") == "X" and
                        e.get("cat") == "blocked" and e["tid"] == t and
                        e["name"] == args[1] and e["args"].get("object", "").startswith("0x") and
                        any(f.split(" ")[0] == args[2] for f in e["args"]["stack"]))))
    elif check == "started":  # threads with a start event (and a create on another thread)
        cr = {e["args"].get("new_tid") for e in ev if e.get("name") == "thread create"}
        print(len({e["tid"] for e in ev if e.get("name") == "thread start"} & cr))
    elif check == "dropped":  # the dropped count: instants, and otherData
        inst = sum(e["args"]["count"] for e in ev if e.get("name") == "events dropped")
        print(inst, d.get("otherData", {}).get("dropped_events"))
    else:
        sys.exit("unknown check " + check)


main()
