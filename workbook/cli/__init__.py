"""`cluster-wb`: parse options, call the services, print. Each command's help, in the language of --lang, is the
message catalogue's (`COMMAND_HELP`, `OPTION_HELP`: what it does, its options, its exit codes), keyed by its path in
this tree; `python -m workbook.docs` copies the English into the README's command reference.

Each command imports what it needs when it runs: `--help`, `status` and `round list` start without the
workbook reader, writer and their libraries (openpyxl alone costs more than the status query)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workbook.cli.help import LANG_ENV, HelpedGroup
from workbook.core.errors import CwbError
from workbook.core.resources import DEFAULT_STORE, STORE_ENV


def _fail(message: str, code: int = 2) -> None:
    click.echo(message, err=True)
    sys.exit(code)


class GuardedGroup(HelpedGroup):
    """The command group that turns every expected failure of any of its commands, subcommands included,
    into one clear line on stderr, in the language of --lang, and its exit code; never a traceback. Its help,
    and its commands', is the catalogue's, in the language of --lang (`workbook.cli.help`)."""

    group_class = HelpedGroup  # its subgroups' failures are caught here, once

    def invoke(self, ctx: click.Context):
        try:
            try:
                return super().invoke(ctx)
            finally:  # the command is done: a Ctrl-C now would only cut its exit short, with no line said. One
                # that lands before this has taken effect (the command's SystemExit on its way out, say) is
                # caught below, as one during the command: said, and exit 130
                from workbook.core import interrupts
                interrupts.done()
        except CwbError as exc:
            lang = (ctx.obj or {}).get("lang", "zh")
            _fail(_scrub(f"cluster-wb: {exc.message(lang)}", ctx), exc.exit_code)
        except KeyboardInterrupt:  # the step under way rolled back (`interrupts`)
            from workbook.core import interrupts
            from workbook.core.messages import t
            interrupts.done()  # a further Ctrl-C must not cut the one line
            obj = ctx.obj or {}
            _fail(f"cluster-wb: {t(obj.get('on_interrupt', 'interrupted'), obj.get('lang', 'zh'))}", 130)
        except OSError as exc:
            from workbook.core.messages import os_error_text
            _fail(_scrub(f"cluster-wb: {os_error_text(exc, (ctx.obj or {}).get('lang', 'zh'))}", ctx))
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # click's own: usage errors (exit 2) and --help
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
            from workbook.core.messages import t
            from workbook.store.connection import store_failure
            lang, store = (ctx.obj or {}).get("lang", "zh"), (ctx.obj or {}).get("store") or ""
            refused = store_failure(exc, store)
            if refused is not None:
                _fail(_scrub(f"cluster-wb: {refused.message(lang)}", ctx), refused.exit_code)
            what = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line, whatever the driver wrote
            said = t("internal_error", lang, what=what)
            _fail(_scrub(f"cluster-wb: {said}", ctx), 2)


def _scrub(message: str, ctx: click.Context) -> str:
    """A message with the store URL's password masked, wherever a driver or a parameter may have put it."""
    obj = ctx.obj or {}
    from workbook.store.connection import scrub
    for url in [obj.get("store") or "", *obj.get("urls", [])]:
        if "://" in url:
            message = scrub(message, url)
    return message


def _console(by: str | None = None):
    """The scope of the person at the terminal: every region (whoever holds the store holds all of it), under
    --by or their login name."""
    from workbook.core.scope import Scope
    from workbook.services import workbooks
    return Scope.everything(by or workbooks.default_user())


def _store(obj: dict):
    """The store of --store, created and seeded on first use when it is a missing SQLite file."""
    from workbook.store import open_store, store_exists
    if store_exists(obj["store"]):
        st = open_store(obj["store"])
    else:
        from workbook.services import workbooks
        st = workbooks.init_store(obj["store"])
    click.get_current_context().call_on_close(st.engine.dispose)  # a server's sessions end with the command
    return st


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", envvar=STORE_ENV, default=DEFAULT_STORE, show_default=True, metavar="PATH_OR_URL")
@click.option("--lang", type=click.Choice(["zh", "en"]), envvar=LANG_ENV, default="zh", show_default=True)
@click.version_option(package_name="cluster-wb")
@click.pass_context
def cli(ctx: click.Context, store: str, lang: str) -> None:
    ctx.obj = {"store": store, "lang": lang}


@cli.command()
@click.option("--empty", is_flag=True)
@click.option("--from", "from_dir", type=click.Path(path_type=Path), metavar="DIR")
@click.pass_obj
def init(obj: dict, empty: bool, from_dir: Path | None) -> None:
    from workbook.core.errors import UsageError
    if empty and from_dir:
        raise UsageError("usage_empty_and_from")
    if from_dir is not None and not from_dir.is_dir():
        raise UsageError("usage_not_dataset", path=str(from_dir))
    from workbook.services import workbooks
    st = workbooks.init_store(obj["store"], empty=empty, from_dir=from_dir)
    click.get_current_context().call_on_close(st.engine.dispose)
    from workbook.core.messages import t
    from workbook.store.connection import shown
    click.echo(t("init_created", obj["lang"], store=shown(obj["store"]), revision=st.revision()), err=True)


@cli.command()
@click.option("-o", "output", metavar="PATH")
@click.option("--region", "regions", multiple=True, metavar="ID")
@click.option("--split", is_flag=True)
@click.option("--by", default=None, metavar="NAME")
@click.pass_obj
def build(obj: dict, output: str | None, regions: tuple[str, ...], split: bool, by: str | None) -> None:
    from workbook.services import workbooks
    if output:
        if split:
            workbooks.expect_folder(output, "--split")
        else:
            from workbook.core.messages import both
            workbooks.expect_file(output, ".xlsx", "-o", hint=both("usage_hint_split"))
    st = _store(obj)
    written = workbooks.build(st, output=output, region_ids=list(regions), split=split,
                              by=by or workbooks.default_user(), lang=obj["lang"], progress=_writing(obj["lang"]))
    for w in written:
        click.echo(w["path"])


@cli.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "yaml"]), default="text", show_default=True)
@click.option("--version", "version", type=int, metavar="N")
@click.pass_context
def schema(ctx: click.Context, fmt: str, version: int | None) -> None:
    if ctx.invoked_subcommand is not None:
        return
    obj = ctx.obj
    from workbook.store import schema_versions
    st = _store(obj)
    with st.reading():
        sch = schema_versions.schema_at(st, version) if version else schema_versions.current_schema(st)
        if fmt == "yaml":
            click.echo(schema_versions.schema_text(st, int(sch.version)), nl=False)
            return
        history = st.schema_versions()
    if fmt == "json":
        click.echo(json.dumps({**sch.to_json(), "versions": history}, ensure_ascii=False, indent=1))
    else:
        from workbook.cli import terminal
        terminal.print_schema(sch, obj["lang"])


@schema.command("apply")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True)
@click.option("--by", default=None, metavar="NAME")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def schema_apply(obj: dict, file: Path, dry_run: bool, by: str | None, fmt: str) -> None:
    from workbook.services import workbooks
    from workbook.services.schema_apply import ApplyRefused, apply_schema
    st = _store(obj)
    lang = obj["lang"]
    try:
        done = apply_schema(st, file, dry_run=dry_run, by=by or workbooks.default_user())
    except ApplyRefused as refused:  # the change first (stdout), then why it is not made (stderr)
        if fmt == "text":
            for line in refused.lines:
                click.echo(f"  {line.said(lang)}")
        raise
    if fmt == "json":
        click.echo(json.dumps(done.to_json(lang), ensure_ascii=False))
        return
    from workbook.core.messages import t
    for line in done.lines or [None]:
        click.echo(f"  {line.said(lang)}" if line else f"  {t('change_none', lang)}")
    click.echo(t("apply_dry_run" if dry_run else "apply_done" if done.version else "apply_nothing", lang,
                 version=done.version or done.version_from, records=done.records, entries=done.entries,
                 revision=done.revision if done.revision is not None else "—"), err=True)


@cli.command()
@click.option("-o", "output", required=True, metavar="PATH")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv", show_default=True)
@click.pass_obj
def export(obj: dict, output: str, fmt: str) -> None:
    from workbook.services import workbooks
    if fmt == "csv":
        workbooks.expect_folder(output, "--format csv")
    else:
        workbooks.expect_file(output, f".{fmt}", "-o")
    st = _store(obj)
    if fmt == "xlsx":  # the analysts' workbook of Excel tables, headed in --lang
        from workbook.services import frames
        click.echo(frames.export_xlsx(st, Path(output), obj["lang"]))
        return
    for path in workbooks.export(st, output, fmt):
        click.echo(path)


def _writing(lang: str):
    """The progress line of each workbook a build writes, on stderr (stdout lists the files written)."""
    from workbook.core.messages import t
    return lambda path: click.echo(t("progress_writing", lang, path=path), err=True)


def _schema_now(st):
    """The store's schema now: the fields the changes and the audit trail name by their keys."""
    from workbook.store.schema_versions import current_schema
    return current_schema(st)


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
    from workbook.core.errors import UsageError
    from workbook.core.messages import t
    from workbook.services import round_trip
    paths, skipped = round_trip.folder_contents(list(files))
    lang = click.get_current_context().find_root().obj["lang"]
    listed = ("、" if lang == "zh" else ", ").join
    for folder, not_read in skipped.items():  # said, not read: a folder of returns is flat, and of .xlsx files
        parts = ([t("not_read_subfolders", lang, names=listed(f"{n}/" for n in not_read.subfolders))]
                 if not_read.subfolders else [])
        parts += [t("not_read_files", lang, names=listed(not_read.files))] if not_read.files else []
        said = t("folder_not_read", lang, folder=folder, parts=("；" if lang == "zh" else "; ").join(parts))
        click.echo(f"cluster-wb: {said}", err=True)
    if not paths:
        raise UsageError("usage_no_workbook", paths=", ".join(files))
    return paths


def _exit_code(results) -> int:
    if any(r.rejected for r in results):
        return 2
    return 0 if all(r.ok for r in results) else 1


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--annotate", "annotate_out", metavar="OUT")
@click.pass_obj
def validate(obj: dict, files: tuple[str, ...], fmt: str, annotate_out: str | None) -> None:
    from workbook.cli import terminal
    from workbook.core.errors import UsageError
    from workbook.services import round_trip
    paths = _input_files(files)
    if len(paths) > 1:  # interrupted, the files checked before are recorded as their rounds' attempts
        obj["on_interrupt"] = "interrupted_validate"
    if annotate_out and len(paths) != 1:
        raise UsageError("usage_annotate_one")
    if annotate_out:
        round_trip.check_annotate_target(annotate_out, paths)
    st = _store(obj)
    results = round_trip.validate_files(st, paths, obj["lang"], progress=_progress(len(paths)), scope=_console())
    _answer(results, fmt, lambda r: r.validate_json(), lambda: terminal.print_validation(results, obj["lang"]))
    if annotate_out and results and not results[0].rejected:
        round_trip.annotate_file(results[0], annotate_out, obj["lang"])
        from workbook.core.messages import t
        click.echo(t("annotated_copy", obj["lang"], path=annotate_out), err=True)
    sys.exit(_exit_code(results))


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True)
@click.option("--by", default=None, metavar="NAME")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def merge(obj: dict, files: tuple[str, ...], dry_run: bool, by: str | None, fmt: str) -> None:
    from workbook.campaign import rounds
    from workbook.cli import terminal
    from workbook.services import campaign, round_trip
    paths = _input_files(files)
    if len(paths) > 1:  # interrupted, the files merged before are kept (a dry run's: recorded, as validate's)
        obj["on_interrupt"] = "interrupted_validate" if dry_run else "interrupted_merge"
    st = _store(obj)
    titles_from = _schema_now(st) if fmt == "text" else None  # read before: nothing runs after the last commit
    scope = _console(by)
    results = round_trip.merge_files(st, paths, dry_run=dry_run, scope=scope, lang=obj["lang"],
                                     progress=_progress(len(paths)))
    _answer(results, fmt, lambda r: r.merge_json(obj["lang"]),
            lambda: terminal.print_merge(results, obj["lang"], dry_run, titles_from))
    for tracker in campaign.summaries_of(st, [r.round for r in results], scope=scope):  # where the rounds stand now
        click.echo(rounds.summary_line(tracker, obj["lang"]), err=True)
    sys.exit(_exit_code(results))


@cli.command()
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def log(obj: dict, limit: int | None, fmt: str) -> None:
    from workbook.services import workbooks
    st = _store(obj)
    entries = workbooks.log_entries(st, limit)
    if fmt == "json":
        click.echo(json.dumps({"entries": entries}, ensure_ascii=False))
    else:
        from workbook.cli import terminal
        terminal.print_log(entries, obj["lang"], _schema_now(st))


@cli.group("round")
def round_group() -> None:
    pass  # a group of subcommands; its help is the catalogue's


def _print_json(doc: dict) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False))


@round_group.command("open")
@click.argument("name")
@click.option("--due", required=True, metavar="DATE")
@click.option("--period", default=None, metavar="LABEL")
@click.option("--region", "regions", multiple=True, metavar="ID")
@click.option("-o", "output", default=None, metavar="PATH")
@click.option("--by", default=None, metavar="NAME")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def round_open(obj: dict, name: str, due: str, period: str | None, regions: tuple[str, ...], output: str | None,
               by: str | None, fmt: str) -> None:
    from workbook.cli import terminal
    from workbook.services import campaign, workbooks
    st = _store(obj)
    done = campaign.open_round(st, name, due=due, period=period, region_ids=list(regions), output=output,
                               by=by or workbooks.default_user(), lang=obj["lang"], progress=_writing(obj["lang"]))
    late = terminal.due_passed_line(done["round"], obj["lang"])
    if late:
        click.echo(late, err=True)
    if fmt == "json":
        _print_json(done)
        return
    for w in done["workbooks"]:
        click.echo(w["path"])
    click.echo(terminal.round_opened_line(done, obj["lang"]), err=True)


@round_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def round_list(obj: dict, fmt: str) -> None:
    from workbook.cli import terminal
    from workbook.services import campaign
    rounds = campaign.list_rounds(_store(obj))
    if fmt == "json":
        _print_json({"rounds": rounds})
    else:
        terminal.print_rounds(rounds, obj["lang"])


def _set_round_state(obj: dict, name: str, state: str) -> None:
    from workbook.cli import terminal
    from workbook.services import campaign
    rnd, changed = campaign.set_state(_store(obj), name, state)
    click.echo(terminal.round_state_line(rnd, changed, obj["lang"]))


@round_group.command("close")
@click.argument("name")
@click.pass_obj
def round_close(obj: dict, name: str) -> None:
    _set_round_state(obj, name, "closed")


@round_group.command("reopen")
@click.argument("name")
@click.pass_obj
def round_reopen(obj: dict, name: str) -> None:
    _set_round_state(obj, name, "open")


@cli.command()
@click.option("--round", "round_name", default=None, metavar="NAME")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "output", default=None, metavar="PATH")
@click.pass_obj
def status(obj: dict, round_name: str | None, fmt: str, output: str | None) -> None:
    from workbook.services import campaign, workbooks
    if output:
        workbooks.expect_file(output, ".xlsx", "-o")
    tracker = campaign.round_status(_store(obj), round_name, scope=_console())
    if output:
        from workbook.campaign.tracker_book import write_tracker
        write_tracker(tracker, Path(output), obj["lang"])
        from workbook.core.messages import t
        click.echo(t("tracker_written", obj["lang"], path=output), err=True)
    if fmt == "json":
        _print_json(tracker)
    else:
        from workbook.cli import terminal
        terminal.print_status(tracker, obj["lang"])


@cli.command()
@click.option("-o", "output", default=None, metavar="PATH")
@click.option("--round", "round_name", default=None, metavar="NAME")
@click.option("--since", "since_name", default=None, metavar="ROUND")
@click.option("--region", "regions", multiple=True, metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "json"]), default="xlsx", show_default=True)
@click.option("--pdf", is_flag=True)
@click.pass_obj
def report(obj: dict, output: str | None, round_name: str | None, since_name: str | None, regions: tuple[str, ...],
           fmt: str, pdf: bool) -> None:
    from workbook.core.errors import UsageError
    from workbook.services import campaign, workbooks
    if fmt == "json" and (output or pdf):  # the figures go to stdout: the workbook's options would do nothing
        raise UsageError("usage_report_json_output", options=" ".join(o for o, on in (("-o", output), ("--pdf", pdf))
                                                                      if on))
    if output:
        if pdf and Path(output).suffix.lower() == ".pdf":  # the workbook is -o; its PDF goes beside it
            raise UsageError("usage_pdf_output", path=output, right=str(Path(output).with_suffix(".xlsx")),
                             pdf=output)
        workbooks.expect_file(output, ".xlsx", "-o")
    st = _store(obj)
    fig = campaign.report_figures(st, round_name=round_name, since_name=since_name, region_ids=list(regions),
                                  scope=_console())
    if fmt == "json":
        _print_json(fig)
        return
    for path in campaign.write_report(st, fig, output, obj["lang"], pdf):
        click.echo(path)


@cli.group("account")
def account_group() -> None:
    pass  # a group of subcommands; its help is the catalogue's


def _print_key(obj: dict, st, done: tuple, fmt: str) -> None:
    """An account's new key: alone on stdout (text) or in the contract's JSON, and once only; on stderr, that
    it cannot be shown again and how to hand it over."""
    from workbook.core.messages import ACCOUNT_WORDS, t
    from workbook.services import accounts
    account, key = done[0], done[1]
    shown_account = accounts.account_json(account, accounts.region_ids(st))
    if fmt == "json":
        _print_json({"account": shown_account, "key": key})
    else:
        click.echo(key)
    lang = obj["lang"]
    regions = (ACCOUNT_WORDS["all_regions"][lang] if account.regions is None
               else ("、" if lang == "zh" else ", ").join(account.regions))
    if len(done) > 2:
        click.echo(t("account_key_replaced", lang, name=account.name, sessions=done[2]), err=True)
    click.echo(t("account_key_shown", lang, name=account.name, role=ACCOUNT_WORDS[account.role][lang],
                 regions=regions, holder=ACCOUNT_WORDS[f"holder_{account.role}"][lang]), err=True)


@account_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["coordinator", "office"]))
@click.option("--region", "regions", multiple=True, metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--by", default=None, metavar="NAME")
@click.pass_obj
def account_add(obj: dict, name: str, role: str, regions: tuple[str, ...], fmt: str, by: str | None) -> None:
    from workbook.services import accounts
    st = _store(obj)
    _print_key(obj, st, accounts.add(st, name, role=role, regions=list(regions), scope=_console(by)), fmt)


@account_group.command("key")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--by", default=None, metavar="NAME")
@click.pass_obj
def account_key(obj: dict, name: str, fmt: str, by: str | None) -> None:
    from workbook.services import accounts
    st = _store(obj)
    _print_key(obj, st, accounts.new_key(st, name, scope=_console(by)), fmt)


@account_group.command("revoke")
@click.argument("name")
@click.option("--by", default=None, metavar="NAME")
@click.pass_obj
def account_revoke(obj: dict, name: str, by: str | None) -> None:
    from workbook.core.messages import t
    from workbook.services import accounts
    st = _store(obj)
    account, changed, ended = accounts.revoke(st, name, scope=_console(by))
    if changed:
        click.echo(t("account_revoked", obj["lang"], name=account.name, sessions=ended))
    else:
        at = (accounts.revoked_at(st, name) or "")[:16].replace("T", " ")
        click.echo(t("account_already_revoked", obj["lang"], name=account.name, at=at))


@account_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def account_list(obj: dict, fmt: str) -> None:
    from workbook.services import accounts
    listed = accounts.list_accounts(_store(obj), scope=_console())
    if fmt == "json":
        _print_json({"accounts": listed})
    else:
        from workbook.cli import terminal
        terminal.print_accounts(listed, obj["lang"])


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, metavar="HOST")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), metavar="PORT")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1), metavar="N")
@click.option("--max-upload-mb", default=50, show_default=True, type=click.IntRange(min=1), metavar="N")
@click.pass_obj
def serve(obj: dict, host: str, port: int, workers: int, max_upload_mb: int) -> None:
    from workbook.store import store_exists
    from workbook.web.serve import serve as run  # the web libraries only for this command (start-up time)
    from workbook.web.settings import Settings
    if not store_exists(obj["store"]):
        _store(obj)  # a missing SQLite store is created and seeded, as for any command
    run(Settings(obj["store"], max_upload_mb=max_upload_mb, lang=obj["lang"]), host=host, port=port,
        workers=workers)


@cli.group("store")
def store_group() -> None:
    pass  # a group of subcommands; its help is the catalogue's


@store_group.command("copy")
@click.option("--from", "source", required=True, metavar="SRC")
@click.option("--to", "target", required=True, metavar="DST")
def store_copy(source: str, target: str) -> None:
    from workbook.store import copy_store
    from workbook.store.connection import shown
    click.get_current_context().find_root().obj["urls"] = [source, target]  # to mask in a failure's message
    rev, counts = copy_store(source, target)
    from workbook.core.messages import t, table_counts
    lang = click.get_current_context().find_root().obj["lang"]
    click.echo(t("store_copied", lang, source=shown(source), target=shown(target), revision=rev,
                 counts=table_counts(counts, lang)), err=True)


def main() -> None:
    from workbook.core import interrupts
    interrupts.take_over()  # Ctrl-C is raised between store calls only, and once
    cli(prog_name="cluster-wb")

