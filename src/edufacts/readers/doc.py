"""Legacy Word reader (DOC, and WPS Office's .wps, which is the same format):
bytes -> ReadText. LibreOffice converts the file to DOCX, read by `read_docx`;
without LibreOffice, antiword or catdoc give plain text (no headers, footers or
list numbers). Every converter runs in its own process group under a timeout
and is killed on expiry."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import unicodedata
from dataclasses import replace
from pathlib import Path

from ..errors import InputError
from . import ReadText
from .docx import read_docx

_WORD_97_IDENT = 0xA5EC
_WORD_6_IDENT = 0xA5DC
"""wIdent, the first two bytes of the WordDocument stream (the FIB)"""
_ENCRYPTED_FLAG = 0x0100
"""fEncrypted in the FIB's flags word at offset 10"""
_TABLE_ROW = re.compile(r"^\|(.*)\|\s*$")


def read_doc(data: bytes, path: Path, timeout: float = 120) -> ReadText:
    _check_word_document(data, path)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is not None:
        converted = _convert_with_libreoffice(soffice, data, path, timeout)
        result = read_docx(converted, path, source_format="DOC/WPS")
        return replace(result, notes=(*result.notes, "DOC/WPS converted to DOCX with LibreOffice"))
    antiword = shutil.which("antiword")
    if antiword is not None:
        output = _run_text_converter([antiword, "-w", "0", "-m", "UTF-8.txt"], data, path, timeout)
        return _plain_text_result(output, path, "antiword")
    catdoc = shutil.which("catdoc")
    if catdoc is not None:
        output = _run_text_converter([catdoc, "-w", "-d", "utf-8"], data, path, timeout)
        return _plain_text_result(output, path, "catdoc")
    raise InputError(
        f"{path}: reading DOC/WPS needs LibreOffice or antiword: "
        "apt-get install libreoffice-writer-nogui (or antiword)"
    )


def _check_word_document(data: bytes, path: Path) -> None:
    """An OLE compound file holding a Word document that is not encrypted;
    anything else is refused here rather than given to a converter (LibreOffice
    opens an unknown file as plain text)."""
    import olefile

    if not olefile.isOleFile(data=data):
        raise InputError(f"{path}: not a DOC/WPS file (no OLE compound file header)")
    try:
        with olefile.OleFileIO(data) as ole:
            if ole.exists("EncryptedPackage"):
                raise InputError(
                    f"{path}: encrypted (password-protected) Office file; save it without a password"
                )
            if not ole.exists("WordDocument"):
                raise InputError(f"{path}: an OLE file without a WordDocument stream, not a DOC/WPS document")
            header = ole.openstream("WordDocument").read(12)
    except InputError:
        raise
    except Exception as error:  # olefile raises OSError, struct.error, IndexError... on damage
        raise InputError(f"{path}: damaged DOC/WPS file ({type(error).__name__})") from None
    if len(header) < 12:
        raise InputError(f"{path}: damaged DOC/WPS file (WordDocument stream too short)")
    ident, flags = struct.unpack_from("<H", header, 0)[0], struct.unpack_from("<H", header, 10)[0]
    if ident not in {_WORD_97_IDENT, _WORD_6_IDENT}:
        raise InputError(f"{path}: damaged DOC/WPS file (its WordDocument stream has no Word header)")
    if flags & _ENCRYPTED_FLAG:
        raise InputError(f"{path}: encrypted (password-protected) DOC/WPS; save it without a password")


def _convert_with_libreoffice(soffice: str, data: bytes, path: Path, timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="edufacts-doc-") as folder:
        source = Path(folder) / "input.doc"
        source.write_bytes(data)
        # A private profile: runs in parallel would otherwise share (and lock) one.
        profile = (Path(folder) / "profile").as_uri()
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
        command += ["--convert-to", "docx", "--outdir", str(Path(folder) / "out"), str(source)]
        _run(command, path, timeout, "LibreOffice")
        converted = Path(folder) / "out" / "input.docx"
        if not converted.is_file():
            raise InputError(f"{path}: LibreOffice could not open it (damaged, or not a Word/WPS document)")
        return converted.read_bytes()


def _run_text_converter(command: list[str], data: bytes, path: Path, timeout: float) -> str:
    name = Path(command[0]).name
    with tempfile.TemporaryDirectory(prefix="edufacts-doc-") as folder:
        source = Path(folder) / "input.doc"
        source.write_bytes(data)
        completed = _run([*command, str(source)], path, timeout, name)
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1][:80] if message else f"exit status {completed.returncode}"
        raise InputError(f"{path}: {name} could not read it ({detail})")
    return completed.stdout.decode("utf-8", "replace")


def _run(command: list[str], path: Path, timeout: float, name: str) -> subprocess.CompletedProcess[bytes]:
    """The converter in a new process group, so that on timeout the group
    (soffice starts soffice.bin as its child) is killed, not just the launcher."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise InputError(f"{path}: {name} did not finish within {timeout:g} s (killed)") from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _plain_text_result(output: str, path: Path, converter: str) -> ReadText:
    text = _antiword_text(output) if converter == "antiword" else _catdoc_text(output)
    if not text.strip():
        raise InputError(f"{path}: no text in the DOC/WPS file ({converter} found none)")
    note = (
        f"DOC/WPS read with {converter} (LibreOffice is not installed): "
        "headers, footers and list numbers are not separated or kept"
    )
    return ReadText(text=text, notes=(note,))


def _antiword_text(output: str) -> str:
    """antiword lays a table row out as `|cell |cell |`, a long cell wrapped onto
    the next lines of its column: the rows become one cell per line with a
    blank line after each, as read_docx writes them, each wrapped cell joined
    again (a wrap may fall inside a number)."""
    lines: list[str] = []
    rows: list[list[str]] = []
    previous: list[str] | None = None
    for line in [*output.splitlines(), ""]:
        row = _TABLE_ROW.match(line)
        if row is None:
            lines += [part for cells in rows for cell in cells if cell for part in (cell, "")]
            lines.append(line.rstrip())
            rows, previous = [], None
            continue
        segments = row.group(1).split("|")
        if previous is not None and _wrapped_onto(previous, segments):
            rows[-1] = [cell + segment.strip() for cell, segment in zip(rows[-1], segments, strict=True)]
        else:
            rows.append([segment.strip() for segment in segments])
        previous = segments
    return "\n".join(lines).strip("\n") + "\n"


def _wrapped_onto(previous: list[str], segments: list[str]) -> bool:
    """The line continues the cells of the line before: each of its filled
    columns was filled to its width there (a cell antiword had to wrap); a
    column filled below its width ended its cell, so the line is a new row
    (as the rows after a vertically merged cell are, their first column empty)."""
    if len(previous) != len(segments) or not any(segment.strip() for segment in segments):
        return False
    return all(
        not segment.strip() or (bool(above.strip()) and _width(above.rstrip()) >= _width(above) - 2)
        for above, segment in zip(previous, segments, strict=True)
    )


def _width(text: str) -> int:
    """Display columns: antiword pads a CJK character as two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _catdoc_text(output: str) -> str:
    """catdoc separates a table row's cells by tabs: one cell per line, with a
    blank line after each."""
    lines: list[str] = []
    for line in output.splitlines():
        if "\t" not in line:
            lines.append(line.rstrip())
            continue
        lines += [part for cell in line.split("\t") if cell.strip() for part in (cell.strip(), "")]
    return "\n".join(lines).strip("\n") + "\n"
