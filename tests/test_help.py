"""The commands' help speaks the language of --lang (Chinese by default, or CLUSTER_WB_LANG): every command's and
every option's help comes from the message catalogue, walked over the whole command tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from workbook.cli import cli
from workbook.cli.help import option_name
from workbook.core.messages import COMMAND_HELP, OPTION_HELP, command_help, option_help

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
NO_LANG = {"CLUSTER_WB_LANG": None}


def _tree() -> list[tuple[str, click.Command]]:
    """Every group and command of `cluster-wb`, by its path ("" the group itself, "round open")."""
    found = [("", cli)]

    def walk(group: click.Group, prefix: str) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            found.append((f"{prefix}{name}", command))
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")

    walk(cli, "")
    return found


def _options(command: click.Command) -> list[click.Option]:
    ctx = click.Context(command)
    return [p for p in command.get_params(ctx) if isinstance(p, click.Option) and not p.hidden]


def _squeezed(text: str) -> str:
    """Text without its whitespace: the help wraps lines wherever the terminal is narrow."""
    return "".join(text.split())


def _help(*args: str, env: dict | None = None) -> str:
    result = CliRunner(env=env or NO_LANG).invoke(cli, [*args, "--help"], prog_name="cluster-wb")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_command_and_option_has_its_help_in_the_language(lang):
    for path, command in _tree():
        shown = _help("--lang", lang, *path.split())
        said = command_help(path, lang)
        assert _squeezed(said) in _squeezed(shown), (path, shown)
        assert bool(CJK.search(COMMAND_HELP[path][lang])) == (lang == "zh"), path
        for option in _options(command):
            text = option_help(path, option_name(option), lang)
            assert bool(CJK.search(text)) == (lang == "zh"), (path, option_name(option), text)
            assert _squeezed(text) in _squeezed(shown), (path, option_name(option), shown)
        headings = ("用法：", "选项：") if lang == "zh" else ("Usage:", "Options:")
        assert all(h in shown for h in headings), shown
        if isinstance(command, click.Group):
            assert ("命令：" if lang == "zh" else "Commands:") in shown
            listed = shown.split("命令：" if lang == "zh" else "Commands:")[1].strip().splitlines()
            assert all(bool(CJK.search(line)) == (lang == "zh") for line in listed), listed
        if lang == "en":
            assert not CJK.search(shown), (path, shown)
        if path in ("", "round open"):
            print(shown)


def test_the_catalogue_has_an_entry_for_every_command_and_option_and_no_other():
    """The command tree says which commands and options exist; the catalogue only says them."""
    tree = _tree()
    assert set(COMMAND_HELP) == {path for path, _ in tree}
    used = set()
    for path, command in tree:
        for option in _options(command):
            name = option_name(option)
            key = f"{path} {name}".strip()
            assert key in OPTION_HELP or name in OPTION_HELP, key
            used.add(key if key in OPTION_HELP else name)
    assert used == set(OPTION_HELP), set(OPTION_HELP) - used


def test_help_is_chinese_by_default_and_english_from_the_environment():
    assert "用法：cluster-wb" in _help() and _squeezed(command_help("", "zh")) in _squeezed(_help())
    assert "默认：" in _help("round", "open") and "截止日期" in _help("round", "open")
    english = {"CLUSTER_WB_LANG": "en"}
    assert _help(env=english).startswith("Usage: cluster-wb")
    assert "Due date, YYYY-MM-DD." in _help("round", "open", env=english)
    assert "截止日期" in _help("--lang", "zh", "round", "open", env=english)  # an explicit --lang wins
    assert "Due date" in _help("--lang=en", "round", "open")


def test_the_environment_sets_the_language_of_messages_too(env, monkeypatch):
    monkeypatch.setenv("CLUSTER_WB_LANG", "en")
    result = env.run("round", "close", "nosuchround")
    assert result.exit_code == 2 and not CJK.search(result.stderr.replace("nosuchround", "")), result.stderr


def test_help_in_a_fresh_process_reads_no_workbook_library():
    """`cluster-wb --lang en round open --help` as typed, and without the heavy modules (start-up time)."""
    code = ("import sys; from workbook.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('openpyxl', 'xlsxwriter', 'sqlalchemy', 'workbook.store') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    done = subprocess.run([sys.executable, "-c", code, "--lang", "en", "round", "open", "--help"],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert "Usage: cluster-wb round open [OPTIONS] NAME" in done.stdout, done.stdout + done.stderr
    assert "Open a reporting round" in done.stdout and "HEAVY []" in done.stdout


@pytest.mark.parametrize(("args", "zh", "en"), [
    (["round", "open", "R9"], "错误：缺少选项 --due。", "Error: Missing option '--due'."),
    (["buidl"], "错误：没有命令“buidl”。是否想输入 build？", "Error: No such command 'buidl'."),
    (["status", "--format", "xml"], "错误：--format 的值“xml”无效", "Error: Invalid value for '--format'"),
    (["log", "extra"], "错误：多余的参数：extra。", "Error: Got unexpected extra argument (extra)"),
])
def test_a_wrong_command_line_is_refused_in_the_language(args, zh, en):
    """click's own refusals (exit 2) follow --lang too: the usage line, the hint and the message."""
    for lang, expected in (("zh", zh), ("en", en)):
        result = subprocess.run([sys.executable, "-m", "workbook.cli", "--lang", lang, *args], capture_output=True,
                                text=True, env={k: v for k, v in os.environ.items()
                                                if k != "CLUSTER_WB_LANG"})
        assert result.returncode == 2, result.stderr
        assert expected in result.stderr, result.stderr
        assert ("用法：" in result.stderr) == (lang == "zh") and ("Traceback" not in result.stderr)


def test_no_help_line_is_wider_than_the_terminal():
    """Chinese takes two columns a character: every line of every command's help fits 80 columns, and a closing
    mark (，。）) never begins a line."""
    import unicodedata

    def cells(line: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)

    for path, _command in _tree():
        for lang in ("zh", "en"):
            result = CliRunner(env=NO_LANG).invoke(cli, ["--lang", lang, *path.split(), "--help"],
                                                   prog_name="cluster-wb", terminal_width=80)
            for line in result.output.splitlines():
                assert cells(line) <= 80, (path, lang, line)
                assert line.strip()[:1] not in ("，", "。", "）", "；"), (path, lang, line)
