"""`cluster-wb`: parse options, call `app`, print. Exit codes as in CONTRACT.md."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from . import app, report
from .schema import load_schema
from .seed import DatasetError
from .store import DEFAULT_STORE, StoreError


def _fail(message: str, code: int = 2) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def guarded(fn):
    """Turn every expected failure into one clear line on stderr and its exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (app.UsageError, StoreError, DatasetError) as exc:
            _fail(f"cluster-wb: {exc}")
        except KeyboardInterrupt:
            _fail("cluster-wb: interrupted; the store is unchanged by the unfinished step.", 130)
        except OSError as exc:
            _fail(f"cluster-wb: {exc.filename or ''}: {exc.strerror or exc}")
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
            _fail(f"cluster-wb: internal error ({type(exc).__name__}: {exc}). Please report it with the "
                  "command you ran.", 2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", envvar="CLUSTER_WB_STORE", default=DEFAULT_STORE, show_default=True,
              help="Master store: a SQLite path or a postgresql:// URL (env CLUSTER_WB_STORE).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the workbook and of messages.")
@click.version_option(package_name="cluster-wb")
@click.pass_context
def cli(ctx: click.Context, store: str, lang: str) -> None:
    """Keep industrial-cluster records in Excel workbooks officials fill in, and merge their edits back."""
    ctx.obj = {"store": store, "lang": lang}


@cli.command()
@click.option("--empty", is_flag=True, help="Create an empty store.")
@click.option("--from", "from_dir", type=click.Path(path_type=Path), help="Seed from the dataset files in DIR.")
@click.pass_obj
@guarded
def init(obj: dict, empty: bool, from_dir: Path | None) -> None:
    """Create the store, seeded with the bundled dataset (default), nothing, or DIR."""
    if empty and from_dir:
        raise app.UsageError("--empty and --from exclude each other.")
    if from_dir is not None and not from_dir.is_dir():
        raise app.UsageError(f"{from_dir}: not a folder of dataset files.")
    st = app.init_store(obj["store"], empty=empty, from_dir=from_dir)
    click.echo(f"created {obj['store']} at revision {st.revision()}", err=True)


@cli.command()
@click.option("-o", "output", help="Output file (folder with --split). Default: output/cluster-wb-<time>.xlsx")
@click.option("--region", "regions", multiple=True, help="Region ID; repeat for several. Default: all.")
@click.option("--split", is_flag=True, help="One workbook per region, into the folder -o.")
@click.option("--by", default=None, help="Who builds it (recorded as the issuer).")
@click.pass_obj
@guarded
def build(obj: dict, output: str | None, regions: tuple[str, ...], split: bool, by: str | None) -> None:
    """Write a workbook for all regions (or the named ones) and register it as issued."""
    st = app.open_or_create(obj["store"])
    written = app.build(st, output=output, region_ids=list(regions), split=split, by=by or app.default_user(),
                        lang=obj["lang"], progress=lambda p: click.echo(f"writing {p}", err=True))
    for w in written:
        click.echo(w["path"])


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
@guarded
def schema(obj: dict, fmt: str) -> None:
    """The sheets, fields, types, allowed values and constraint factors the workbooks use."""
    sch = load_schema()
    if fmt == "json":
        click.echo(json.dumps(sch.to_json(), ensure_ascii=False, indent=1))
    else:
        report.print_schema(sch, obj["lang"])


@cli.command()
@click.option("-o", "output", required=True, help="Folder (csv) or file (json).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.pass_obj
@guarded
def export(obj: dict, output: str, fmt: str) -> None:
    """Write the whole master dataset."""
    st = app.open_or_create(obj["store"])
    for path in app.export(st, output, fmt):
        click.echo(path)


def _progress(paths_count: int):
    """Progress on stderr when there are several files (stdout stays clean for JSON)."""
    if paths_count <= 1:
        return None
    counter = {"n": 0}

    def step(path: str) -> None:
        counter["n"] += 1
        click.echo(f"[{counter['n']}/{paths_count}] {path}", err=True)

    return step


def _answer(results, fmt: str, file_json, print_text) -> None:
    """Refused files on stderr, one line each; then the report: one JSON document on stdout, or tables."""
    for r in results:
        if r.rejected:
            click.echo(f"cluster-wb: {r.rejected}", err=True)
    if fmt == "json":
        doc = {"ok": all(r.ok for r in results), "files": [file_json(r) for r in results]}
        click.echo(json.dumps(doc, ensure_ascii=False))
    else:
        print_text()


def _input_files(files: tuple[str, ...]) -> list[str]:
    paths = app.expand_paths(list(files))
    if not paths:
        raise app.UsageError(f"no .xlsx workbook found in {', '.join(files)}.")
    return paths


def _exit_code(results) -> int:
    if any(r.rejected for r in results):
        return 2
    return 0 if all(r.ok for r in results) else 1


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--annotate", "annotate_out", help="Write a copy of the (single) input with each problem marked.")
@click.pass_obj
@guarded
def validate(obj: dict, files: tuple[str, ...], fmt: str, annotate_out: str | None) -> None:
    """Re-read edited workbooks and report every problem at its cell."""
    paths = _input_files(files)
    if annotate_out and len(paths) != 1:
        raise app.UsageError("--annotate takes exactly one input file.")
    st = app.open_or_create(obj["store"])
    results = app.validate_files(st, paths, obj["lang"], progress=_progress(len(paths)))
    _answer(results, fmt, lambda r: r.validate_json(), lambda: report.print_validation(results, obj["lang"]))
    if annotate_out and results and not results[0].rejected:
        app.annotate_file(results[0], annotate_out, obj["lang"])
        click.echo(f"annotated copy: {annotate_out}", err=True)
    sys.exit(_exit_code(results))


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--by", default=None, help="Who merges (recorded in the audit trail).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
@guarded
def merge(obj: dict, files: tuple[str, ...], dry_run: bool, by: str | None, fmt: str) -> None:
    """Validate, then three-way merge each workbook's edits into the store (each file all or nothing)."""
    paths = _input_files(files)
    st = app.open_or_create(obj["store"])
    results = app.merge_files(st, paths, dry_run=dry_run, by=by or app.default_user(), lang=obj["lang"],
                              progress=_progress(len(paths)))
    _answer(results, fmt, lambda r: r.merge_json(obj["lang"]),
            lambda: report.print_merge(results, obj["lang"], dry_run))
    sys.exit(_exit_code(results))


@cli.command()
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N entries.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
@guarded
def log(obj: dict, limit: int | None, fmt: str) -> None:
    """The audit trail, newest first."""
    st = app.open_or_create(obj["store"])
    entries = app.log_entries(st, limit)
    if fmt == "json":
        click.echo(json.dumps({"entries": entries}, ensure_ascii=False))
    else:
        report.print_log(entries)


def main() -> None:
    cli(prog_name="cluster-wb")


if __name__ == "__main__":
    main()
