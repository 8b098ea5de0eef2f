"""Command line of ``drug-mentions-gcs``: deploy code/DAGs/data, list and fetch pipeline runs.

Examples::

    drug-mentions-gcs deploy --tf-outputs tf.json --with-data
    drug-mentions-gcs ls-runs --data-bucket my-data-bucket
    drug-mentions-gcs fetch --data-bucket my-data-bucket --with-mentions   # + report.html
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from gcs_cli import commands
from gcs_cli.client import ClientFactory, make_client
from gcs_cli.errors import describe

PROG = "drug-mentions-gcs"
log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", help="billing/quota project (default: none needed)")
    common.add_argument("--tf-outputs", metavar="FILE", help="JSON of `terraform output -json`")
    common.add_argument("--data-bucket", help="data bucket name (overrides --tf-outputs)")
    common.add_argument("-v", "--verbose", action="count", default=0, help="-v info, -vv debug")
    changes = argparse.ArgumentParser(add_help=False)
    changes.add_argument(
        "--dry-run", action="store_true", help="print what would change, change nothing"
    )
    changes.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: only on a TTY, for large transfers)",
    )

    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    deploy = sub.add_parser(
        "deploy", parents=[common, changes], help="upload dist/, dags/ (and data/) to GCS"
    )
    deploy.add_argument("--dags-prefix", help="Composer DAG folder, gs://<bucket>/dags")
    deploy.add_argument("--dist", default="dist", help="built artifact folder (make package)")
    deploy.add_argument("--dags", default="dags", help="folder of DAG files (*.py)")
    deploy.add_argument("--data", default="data", help="sample inputs for --with-data")
    deploy.add_argument("--with-data", action="store_true", help="also upload --data to input/")
    deploy.add_argument("--code-version", help="default: drug_mentions.__version__")
    deploy.add_argument(
        "--batch-conf",
        default="conf/dataproc.toml",
        help="Spark properties of the batches, shipped beside the DAG",
    )
    deploy.add_argument(
        "--force",
        action="store_true",
        help="overwrite code/<version>/ objects whose content differs (a release is immutable)",
    )
    deploy.set_defaults(handler=commands.deploy)

    fetch = sub.add_parser(
        "fetch",
        parents=[common, changes],
        help="download a run's output.json and report.html (and mentions/)",
    )
    fetch.add_argument("--run", metavar="ID", help="run id (default: latest completed run)")
    fetch.add_argument("--dest", help="local folder (default: ./fetched/<run_id>/)")
    fetch.add_argument("--with-mentions", action="store_true", help="also the mentions/ tree")
    fetch.add_argument(
        "--allow-incomplete", action="store_true", help="fetch a run without _SUCCESS marker"
    )
    fetch.set_defaults(handler=commands.fetch)

    ls_runs = sub.add_parser("ls-runs", parents=[common], help="list runs and their status")
    ls_runs.add_argument("--json", action="store_true", help="machine-readable output")
    ls_runs.set_defaults(handler=commands.ls_runs)
    return parser


def main(argv: Sequence[str] | None = None, *, client_factory: ClientFactory = make_client) -> int:
    """Run the CLI; returns the exit code. ``client_factory`` builds the storage client."""
    args = build_parser().parse_args(argv)
    # Our messages from WARNING (-v: INFO, -vv: DEBUG); libraries' only from ERROR unless -vv
    # (google-auth warns about the metadata server before the one-line ADC error).
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(
        level=logging.ERROR if args.verbose < 2 else logging.DEBUG,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("gcs_cli").setLevel(level)
    try:
        return args.handler(args, client_factory(args.project))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        error = describe(exc)
        log.debug("details of the error below", exc_info=True)
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.code


if __name__ == "__main__":
    sys.exit(main())
