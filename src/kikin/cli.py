"""The `kikin` command: operators' tools that need no web server.

    kikin calc NAME        one rule of the rules engine, JSON in, JSON out
    kikin assign ...       reviewer assignment from CSV files
    kikin evaluate ...     one sandboxed evaluation of a prize-challenge entry, JSON out
    kikin manage ...       Django's management commands
    kikin serve ...        the web server and the background worker together

Each subcommand lives in its own module and is imported only when it is asked for, so that
`kikin calc` starts without loading Django.
"""

import sys

SUBCOMMANDS = {
    "calc": ("kikin.rules.calc", "main"),
    "assign": ("kikin.solvers.cli", "assign_main"),
    "evaluate": ("kikin.challenges.cli", "evaluate_main"),
    "manage": ("kikin.manage", "main"),
    "serve": ("kikin.ops.serve", "main"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in SUBCOMMANDS:
        print(
            __doc__.strip(),
            file=sys.stderr if argv and argv[0] not in {"-h", "--help"} else sys.stdout,
        )
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module_name, func_name = SUBCOMMANDS[argv[0]]
    import importlib

    func = getattr(importlib.import_module(module_name), func_name)
    if argv[0] == "manage":
        func(["kikin manage", *argv[1:]])
        return 0
    return int(func(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
