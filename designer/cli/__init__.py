"""The ``designer`` command line.

Each command group lives in its own module and is registered below.  Every
``DesignerError`` (and any I/O error on a user-given path) becomes one clear
line on stderr and exit code 2: users never see a traceback.
"""

from __future__ import annotations

import sys

import click

from designer.errors import DesignerError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DesignerError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(2)
        except OSError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="callflow-designer", prog_name="designer")
def main() -> None:
    """Design, validate, run and simulate Sinch IVR call flows."""


def _register() -> None:
    from designer.cli import flow as flow_commands

    main.add_command(flow_commands.flow)

    from designer.cli import db as db_commands

    db_commands.register(main, flow_commands.flow)

    from designer.cli import run as run_command

    main.add_command(run_command.run)

    from designer.cli import simulate as simulate_command

    main.add_command(simulate_command.simulate)

    from designer.cli import users as user_commands

    main.add_command(user_commands.user)
    main.add_command(user_commands.token)


_register()
