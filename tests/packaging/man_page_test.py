#!/usr/bin/env python3
"""The generated man page documents every command, option and argument that the built
`leakwatch` lists in its own --help output (walked command by command, independently of
the renderer's walk of the CLI11 tree), each in its command's subsection, and groff
renders the page without a warning.

Usage: man_page_test.py LEAKWATCH_BINARY MAN_PAGE
"""
import re
import shutil
import subprocess
import sys


def help_entries(binary, path):
    """{"Options": [...], "Positionals": [...], "Subcommands": [...]} from --help."""
    out = subprocess.run([binary, *path, "--help"], capture_output=True, text=True,
                         check=True).stdout
    entries = {"Options": [], "Positionals": [], "Subcommands": []}
    section = None
    for line in out.splitlines():
        heading = re.match(r"^(Options|Positionals|Subcommands):\s*$", line)
        if heading:
            section = heading.group(1)
        elif re.match(r"^\S", line):
            section = None
        elif section and re.match(r"^  \S", line):
            entries[section].append(line.split()[0])
    return entries


def roff(text):
    return text.replace("\\", "\\e").replace("-", "\\-")


def sections(page):
    """Text of each `.SS "leakwatch ..."` subsection, and of the GLOBAL OPTIONS section."""
    found = {}
    parts = re.split(r'^\.S[SH] "?([^"\n]*)"?\n', page, flags=re.M)
    for title, body in zip(parts[1::2], parts[2::2]):
        found[title.replace("\\-", "-")] = body
    return found


def main():
    binary, man_path = sys.argv[1], sys.argv[2]
    page = open(man_path, encoding="utf-8").read()
    by_title = sections(page)
    problems = []
    commands = 0
    queue = [[]]
    while queue:
        path = queue.pop(0)
        entries = help_entries(binary, path)
        title = "GLOBAL OPTIONS" if not path else "leakwatch " + " ".join(path)
        body = by_title.get(title)
        if body is None:
            problems.append(f"no section '{title}'")
            continue
        commands += 1
        for option in entries["Options"]:
            if path and option == "-h,--help":
                continue  # documented once, under GLOBAL OPTIONS, for every command
            for name in option.split(","):
                if not re.search(r"\\fB" + re.escape(roff(name)) + r"\\fR", body):
                    problems.append(f"'{title}': option {name} is not documented")
        for positional in entries["Positionals"]:
            if f"\\fI{roff(positional)}\\fR" not in body:
                problems.append(f"'{title}': argument {positional} is not documented")
        for sub in entries["Subcommands"]:
            queue.append(path + [sub])
    if commands < 10:
        problems.append(f"only {commands} command sections checked; is --help parsed right?")

    groff = shutil.which("groff")
    if groff:
        result = subprocess.run([groff, "-man", "-ww", "-z", "-Kutf8", man_path],
                                capture_output=True, text=True)
        if result.returncode != 0 or result.stderr.strip():
            problems.append("groff warnings:\n" + result.stderr)
    else:
        print("note: groff not installed; rendering not checked")

    for problem in problems:
        print("FAIL:", problem, file=sys.stderr)
    if problems:
        return 1
    print(f"man page test: ok ({commands} sections)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
