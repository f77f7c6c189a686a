"""The `stt` command."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import admin
from cli.serve import serve
from cli.settings import ServeSettings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stt", description="Self-hosted speech AI platform.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser(
        "serve",
        help="start the whole platform on this machine (Redis, services, gateway)",
        description="Starts a private Redis, the ASR service and the gateway; Ctrl-C stops them all. "
        "STT_PORT sets the gateway's port (default 8000); STT_DATA_DIR the data folder.",
    )
    serve_cmd.add_argument("--data-dir", type=Path, help="the data folder (default: STT_DATA_DIR, or data)")
    admin.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        settings = ServeSettings()
        return serve(args.data_dir or settings.data_dir, settings)
    return admin.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
