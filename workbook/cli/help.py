"""The commands' help in the language of --lang (or CLUSTER_WB_LANG; Chinese by default): click renders the help
it was given at definition time, so these classes take every text, heading and note from the message catalogue
instead, keyed by the command's path in the tree (`COMMAND_HELP`, `OPTION_HELP`). The command tree says which
commands and options exist; the catalogue only says what they do.

Only click and the catalogue (plain tables) are imported: `cluster-wb --help` starts in the time of importing
click (bench/bench.py, help_vs_imports)."""

from __future__ import annotations

import os
import re
import sys
import unicodedata

import click

LANG_ENV = "CLUSTER_WB_LANG"
_LANGS = ("zh", "en")
_PEEKED = "cluster_wb.help_lang"  # the root context's meta: the language read from the arguments, before parsing
_NO_LINE_START = set("，。、；：？！）》」』”’%")  # Chinese punctuation that does not begin a line
_OPENERS = set("[(（《「『“‘")  # nor ends one


def peek_lang(args: list[str]) -> str:
    """The language of the command line before click parses it (`--help` is eager: it is answered before --lang is
    processed): --lang VALUE or --lang=VALUE, else CLUSTER_WB_LANG, else Chinese."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1] if args[i + 1] in _LANGS else "zh"
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1] if arg.split("=", 1)[1] in _LANGS else "zh"
    env = os.environ.get(LANG_ENV, "")
    return env if env in _LANGS else "zh"


def help_lang(ctx: click.Context) -> str:
    root = ctx.find_root()
    lang = root.params.get("lang") or root.meta.get(_PEEKED) or os.environ.get(LANG_ENV)
    return lang if lang in _LANGS else "zh"


def command_path(ctx: click.Context) -> str:
    """The command's path below the root: "" for `cluster-wb` itself, "round open"."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def _cells(text: str) -> int:
    """Terminal columns a text takes: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _tokens(paragraph: str) -> list[str]:
    """A paragraph as the pieces a line may break between: Latin words, single Chinese characters, spaces."""
    out: list[str] = []
    for ch in paragraph:
        wide = unicodedata.east_asian_width(ch) in "WF"
        if out and out[-1][-1] in _OPENERS and ch != " ":
            out[-1] += ch  # an opening bracket or quote stays with what it opens
        elif ch == " " or wide or not out or out[-1] == " " or _cells(out[-1][-1]) == 2:
            out.append(ch)
        else:
            out[-1] += ch
    return out


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Lines of at most `width` columns, breaking between words or between Chinese characters (never before a
    closing punctuation mark); blank lines between paragraphs kept."""
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        if lines:
            lines.append("")
        line, taken = first if not lines else rest, 0
        prefix_cells = _cells(line)
        tokens = _tokens(" ".join(paragraph.split()))
        for i, token in enumerate(tokens):
            if token == " " and taken == 0:
                continue
            # the closing marks after the token go with it ("）。"): room for all, or all on the next line
            need, j = _cells(token), i + 1
            while j < len(tokens) and tokens[j][:1] in _NO_LINE_START:
                need, j = need + _cells(tokens[j]), j + 1
            if taken and prefix_cells + taken + need > width and token[0] not in _NO_LINE_START \
                    and token != " ":
                lines.append(line.rstrip())
                line, taken = rest, 0
                prefix_cells = _cells(line)
            line += token
            taken += _cells(token)
        lines.append(line.rstrip())
    return lines


class HelpFormatter(click.HelpFormatter):
    """click's formatter, with headings in the help's language and lines measured in terminal columns."""

    lang = "zh"

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}{'：' if self.lang == 'zh' else ':'}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write("\n".join(wrap(text, self.width, indent, indent)) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((_cells(term) for term, _ in rows), default=0), col_max) + col_spacing
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not text:
                self.write("\n")
                continue
            if _cells(term) <= first_col - col_spacing:
                self.write(" " * (first_col - _cells(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(text, max(self.width - first_col - 2, 10))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class HelpContext(click.Context):
    formatter_class = HelpFormatter

    def make_formatter(self) -> click.HelpFormatter:
        formatter = super().make_formatter()
        formatter.lang = help_lang(self)
        return formatter


def _words(key: str, lang: str) -> str:
    from workbook.core.messages import HELP_WORDS
    return HELP_WORDS[key][lang]


def option_name(option: click.Option) -> str:
    """The name an option's help is keyed by: its long name (`--help`, not `-h`), else its only one (`-o`)."""
    return next((o for o in option.opts if o.startswith("--")), option.opts[0])


def _option_record(option: click.Option, ctx: click.Context, path: str, lang: str) -> tuple[str, str]:
    """An option's line: its names and metavar, its help from the catalogue, then its default, environment
    variable and range, in the help's language."""
    from workbook.core.messages import option_help
    text = option_help(path, option_name(option), lang)
    extra = option.get_help_extra(ctx)
    notes = []
    if "envvars" in extra:
        notes.append(_words("envvar", lang).format(name=", ".join(extra["envvars"])))
    if "default" in extra:
        notes.append(_words("default", lang).format(value=extra["default"]))
    if "range" in extra:
        notes.append(extra["range"])
    if "required" in extra:
        notes.append(_words("required", lang))
    if notes:  # after a Chinese full stop no space is wanted: the stop carries its own
        joined = ("；" if lang == "zh" else "; ").join(notes)
        text += f"（{joined}）" if lang == "zh" else f"  [{joined}]"
    return option.get_help_spec(ctx), text


def short_help(path: str, lang: str) -> str:
    """A command's line in its group's list: the first sentence of its help."""
    from workbook.core.messages import COMMAND_HELP
    text = COMMAND_HELP[path][lang]
    end = text.find("。") + 1 if lang == "zh" else text.find(". ")
    return text[:end] if end > 0 else text


class SaidUsageError(click.UsageError):
    """click's refusal of a command line (a missing option, an unknown command), said in the language of --lang:
    its usage line, the hint and the message, whose common forms the catalogue translates (`CLICK_SAYINGS`)."""

    def __init__(self, original: click.UsageError):
        super().__init__(original.message, original.ctx)
        self.exit_code = original.exit_code
        self.original = original

    def format_message(self) -> str:
        text = self.original.format_message()
        lang = help_lang(self.ctx) if self.ctx is not None else peek_lang(sys.argv[1:])
        if lang != "zh":
            return text
        from workbook.core.messages import CLICK_SAYINGS
        said = []
        for sentence in re.split(r"(?<=[.?])\s+", text.strip()):
            for pattern, zh in CLICK_SAYINGS:
                found = re.fullmatch(pattern, sentence)
                if found:
                    said.append(zh.format(*found.groups()))
                    break
            else:
                said.append(sentence)
        return "".join(said)

    def show(self, file=None) -> None:
        lang = help_lang(self.ctx) if self.ctx is not None else peek_lang(sys.argv[1:])
        out = file or sys.stderr
        if self.ctx is not None:
            hint = _words("try_help", lang).format(command=f"{self.ctx.command_path} --help")
            click.echo(f"{self.ctx.get_usage()}\n{hint}\n", file=out)
        click.echo(_words("error", lang).format(message=self.format_message()), file=out)


def _said(exc: click.UsageError) -> SaidUsageError:
    return exc if isinstance(exc, SaidUsageError) else SaidUsageError(exc)


class HelpedCommand(click.Command):
    """A command whose help is the catalogue's, in the language of --lang."""

    context_class = HelpContext

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:  # parsing: said in the help's language
            raise _said(exc) from None

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        lang = help_lang(ctx)
        pieces = super().collect_usage_pieces(ctx)
        named = {self.options_metavar: _words("options_metavar", lang)}
        if isinstance(self, click.Group):
            named[self.subcommand_metavar or ""] = _words("command_metavar", lang)
        return [named.get(p, p) for p in pieces]

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),
                              prefix=_words("usage", help_lang(ctx)) + ("" if help_lang(ctx) == "zh" else " "))

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from workbook.core.messages import command_help
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(command_help(command_path(ctx), help_lang(ctx)))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang, path = help_lang(ctx), command_path(ctx)
        rows = [_option_record(p, ctx, path, lang) for p in self.get_params(ctx)
                if isinstance(p, click.Option) and not p.hidden]
        if rows:
            with formatter.section(_words("options", lang)):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class HelpedGroup(HelpedCommand, click.Group):
    """A group whose help, and the list of its commands, is the catalogue's; its commands and subgroups too."""

    command_class = HelpedCommand
    group_class = type  # a subgroup is of the same class as its group

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang, path = help_lang(ctx), command_path(ctx)
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, short_help(f"{path} {name}".strip(), lang)))
        if rows:
            with formatter.section(_words("commands", lang)):
                formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            ctx.meta[_PEEKED] = peek_lang(args)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # no such command
            raise _said(exc) from None
