"""Quicker writers for the XML that a data workbook holds most of, byte for byte XlsxWriter's own.

XlsxWriter writes every cell and every cell note through general code: each element from a list of
attributes, each attribute escaped (an integer by way of a caught TypeError), each text run through four
regular expressions. Nearly every cell of a data sheet is a styled number or a styled text with nothing
to escape, and every note is the same shape around its text and position; for those the classes here
write the very same XML in one formatted string each, and leave anything else to XlsxWriter. They plug in
where XlsxWriter means to be extended: a worksheet class given to `add_worksheet`, and the packager a
workbook gets from `_get_packager`. tests/test_fastxml.py holds every part they write to the one
XlsxWriter writes itself, so that a release of XlsxWriter that changes its XML fails the tests, not the
files; pyproject.toml admits only the releases those tests have passed on."""

from __future__ import annotations

import io
import os
import re
import shutil

import xlsxwriter
from xlsxwriter.comments import Comments, CommentType
from xlsxwriter.packager import Packager
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.vml import Vml
from xlsxwriter.worksheet import CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet

# what XlsxWriter changes in a text: XML's &, < and >, control characters, U+FFFE/F, and a text that
# looks like its own _xHHHH_ escape of a control character
NEEDS_XLSXWRITER = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


ATTRIBUTE_ESCAPES = re.compile(r'["&<>\n]')


COLUMN_LETTERS = [xl_col_to_name(col) for col in range(702)]  # A … ZZ, far wider than any data sheet


def _space_kept(text: str) -> str:
    """The attribute XlsxWriter gives a text with leading or trailing white space, so that it is kept."""
    return ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""


class DataWorksheet(Worksheet):
    """A worksheet whose styled text (in constant-memory mode) and number cells are written in one step
    each, and whose formulas without a function call skip XlsxWriter's function-name rewriting."""

    def _write_cell(self, row: int, col: int, cell) -> None:
        cell_format = cell.format
        kind = type(cell)
        if cell_format is not None and col < len(COLUMN_LETTERS):
            style = cell_format.xf_index
            if style is None:
                style = cell_format._get_xf_index()
            if kind is CellStringTuple and self.constant_memory:  # else XlsxWriter shares the string
                text = cell.string
                if not NEEDS_XLSXWRITER.search(text):
                    self.fh.write(f'<c r="{COLUMN_LETTERS[col]}{row + 1}" s="{style}" t="inlineStr">'
                                  f"<is><t{_space_kept(text)}>{text}</t></is></c>")
                    return
            elif kind is CellNumberTuple or kind is CellDatetimeTuple:
                self.fh.write(f'<c r="{COLUMN_LETTERS[col]}{row + 1}" s="{style}"><v>{cell.number:.16G}</v></c>')
                return
        super()._write_cell(row, col, cell)

    def _write_optimized_sheet_data(self) -> None:
        # XlsxWriter copies the rows it kept in a temporary file into the sheet's part as text, decoding
        # and encoding every byte again; the bytes are the same either way, so copy them as bytes
        part = self.fh
        if self.dim_rowmin is None or not isinstance(part, io.TextIOWrapper):
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.flush()
        part.flush()
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, part.buffer, 1 << 20)
        self.row_data_fh.close()
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        # XlsxWriter rewrites newer function names (each a regular expression ending in "\(", some 170 of
        # them for every dropdown's source); a formula without "(" calls no function, so only its braces
        # and leading "=" go, as XlsxWriter takes them off
        if "(" in formula:
            return super()._prepare_formula(formula, expand_future_functions)
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula


class NoteVml(Vml):
    """The drawing of a note (the yellow box shown on hovering), one formatted string each."""

    def _write_comment_shape(self, shape_id: int, z_index: int, comment: CommentType) -> None:
        left, top, width, height = self._pixels_to_points(comment.vertices)
        col_start, row_start, x1, y1, col_end, row_end, x2, y2 = comment.vertices[:8]
        visible = comment.is_visible
        self.fh.write(
            f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:{left:.15g}pt;margin-top:{top:.15g}pt;width:{width:.15g}pt;height:{height:.15g}pt;"
            f'z-index:{z_index};visibility:{"visible" if visible else "hidden"}" '
            f'fillcolor="{comment.color._vml_rgb_hex_value()}" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note">'
            "<x:MoveWithCells/><x:SizeWithCells/>"
            f"<x:Anchor>{col_start}, {x1}, {row_start}, {y1}, {col_end}, {x2}, {row_end}, {y2}</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{comment.row}</x:Row><x:Column>{comment.col}</x:Column>"
            f'{"<x:Visible/>" if visible else ""}</x:ClientData></v:shape>')


class NoteComments(Comments):
    """The text of the notes, one formatted string each when nothing in it needs escaping."""

    def _write_comment(self, comment: CommentType, author_id: int) -> None:
        text, font = comment.text, comment.font_name
        if (NEEDS_XLSXWRITER.search(text) or ATTRIBUTE_ESCAPES.search(font)
                or comment.col >= len(COLUMN_LETTERS)):
            super()._write_comment(comment, author_id)
            return
        author = f' authorId="{author_id}"' if author_id != -1 else ""
        self.fh.write(
            f'<comment ref="{COLUMN_LETTERS[comment.col]}{comment.row + 1}"{author}><text><r><rPr>'
            f'<sz val="{comment.font_size}"/><color indexed="81"/><rFont val="{font}"/>'
            f'<family val="{comment.font_family}"/></rPr><t{_space_kept(text)}>{text}</t></r></text></comment>')


class NotesPackager(Packager):
    """XlsxWriter's packager, with the note writers above."""

    def _write_vml_files(self) -> None:
        sheets = self.workbook.worksheets()
        if any(ws.has_header_vml for ws in sheets):  # header images share the numbering: XlsxWriter's own way
            super()._write_vml_files()
            return
        index = 1
        for ws in sheets:
            if ws.has_vml:
                vml = NoteVml()
                vml._set_xml_writer(self._filename(f"xl/drawings/vmlDrawing{index}.vml"))
                vml._assemble_xml_file(ws.vml_data_id, ws.vml_shape_id, ws.comments_list, ws.buttons_list)
                index += 1

    def _write_comment_files(self) -> None:
        index = 1
        for ws in self.workbook.worksheets():
            if ws.has_comments:
                comments = NoteComments()
                comments._set_xml_writer(self._filename(f"xl/comments{index}.xml"))
                comments._assemble_xml_file(ws.comments_list)
                index += 1


class DataWorkbook(xlsxwriter.Workbook):
    """A workbook that packages its notes with the quicker writers; its sheets are XlsxWriter's unless
    `add_worksheet` is given `worksheet_class=DataWorksheet`."""

    def _get_packager(self) -> Packager:
        return NotesPackager()
