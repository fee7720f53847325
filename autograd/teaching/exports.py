"""Exports to a learning-management system: quizzes with one numerical question per
derivative and variant, and a class's marks as a gradebook import.

    questions = [Question("dE/dw", "ana: dE/dw", "<p>E = ... at w = 0.5</p>", 0.2068, 0.0001), ...]
    write_quiz(questions, "quiz.xml", "moodle")     # Moodle XML
    write_quiz(questions, "quiz.gift", "gift")      # Moodle's GIFT text format
    write_quiz(questions, "quiz.zip", "qti")        # IMS QTI 1.2 package (Canvas: Import course content)
    read_quiz("quiz.xml", "moodle")                 # the questions back, as written

Questions of one `category` are variants of the same derivative (one per student):
Moodle gets one question category per derivative (a quiz draws a random question from
each), Canvas one question group per derivative that picks one of its variants.

Each answer is accepted in an interval, answer ± tolerance, which is the judge's:
`interval(tolerance, engine)` turns a `Tolerance` into that interval. The judge's
rounding rule (sig_figs=k) accepts the engine's value rounded to k figures ± one unit
in the k-th figure; the default rule accepts engine ± (atol + rtol·|engine|).

    gradebook_csv(book, "canvas.csv", "canvas", assignment="Backprop 1")
    gradebook_csv(book, "moodle.csv", "moodle", assignment="Backprop 1")

Canvas's gradebook import reads the columns Student, ID, SIS User ID, SIS Login ID,
Section, then one column per assignment (its points), with a "Points Possible" row
first; Moodle's grade import maps one column to a user field (an email address or
an ID number) and another to a grade item.
"""

from __future__ import annotations

import base64
import csv
import functools
import io
import math
import os
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from decimal import Decimal

from autograd import escape
from autograd.files import read_bounded, write_atomic
from autograd.teaching.judge import half_unit

__all__ = ["Question", "interval", "write_quiz", "read_quiz", "gradebook_csv", "FORMATS", "LMS"]

FORMATS = ("moodle", "gift", "qti")
LMS = ("canvas", "moodle")
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


@dataclass(frozen=True)
class Question:
    """One numerical question: a variant (one student's numbers) of one derivative."""

    category: str  # the derivative, e.g. "∂E/∂w[1]_{1,1}": its variants are drawn at random
    name: str  # e.g. "ana: ∂E/∂w[1]_{1,1}"
    text: str  # the question as HTML: the variant's numbers (and diagram)
    answer: float  # the centre of the accepted interval
    tolerance: float  # accepted: |response − answer| ≤ tolerance
    files: dict[str, bytes] = field(default_factory=dict, compare=False)  # images the text shows, by name

    def accepts(self, response: float) -> bool:
        return abs(response - self.answer) <= self.tolerance


def interval(tolerance, engine: float, spread: float | None = None) -> tuple[float, float]:
    """(answer, half-width) of what the judge's `tolerance` accepts for the engine's value
    (`Tolerance.agrees` is the rule itself): without sig_figs, engine ± (atol + rtol·|engine|
    + spread); with sig_figs=k and a measured `spread`, engine ± (spread + half a unit in the
    k-th figure); with sig_figs=k alone, the value rounded to k figures ± one unit in the k-th."""
    if not math.isfinite(engine):
        raise ValueError(f"interval: the engine's value {engine!r} is not a finite number")
    k = tolerance.sig_figs
    if k is None:
        return engine, tolerance.atol + tolerance.rtol * abs(engine) + (spread or 0.0)
    if spread is not None:
        return engine, max(tolerance.atol, spread + half_unit(abs(engine) + spread, k))
    rounded = float(f"{engine:.{k - 1}e}")
    if rounded == 0.0:
        return 0.0, tolerance.atol
    return rounded, 10.0 ** (math.floor(math.log10(abs(rounded))) - k + 1)


def _number(x: float) -> str:
    """A number as the formats read it: the shortest decimal that reads back as the same
    float (repr), written without an exponent (Canvas's numeric fields refuse 1E-7)."""
    return format(Decimal(repr(float(x) + 0.0)), "f")


def _check(questions) -> list[Question]:
    questions = list(questions)
    if not questions:
        raise ValueError("write_quiz: no questions to write")
    for q in questions:
        if not isinstance(q, Question):
            raise TypeError(f"write_quiz: expected Question objects, got {type(q).__name__}")
        if not (math.isfinite(q.answer) and math.isfinite(q.tolerance) and q.tolerance >= 0):
            raise ValueError(f"write_quiz: question {q.name!r} has answer {q.answer!r} ± {q.tolerance!r}; "
                             "both must be finite, the tolerance ≥ 0")
    return questions


def _category_path(course: str, category: str) -> str:
    """Moodle's category path: $course$/top/<course>/<category>, a / inside a name written //."""
    return "$course$/top/" + "/".join(part.replace("/", "//") for part in (course, category))


def _category_of(path: str) -> str:
    """The category's own name from a path `_category_path` wrote."""
    parts = re.split(r"(?<!/)/(?!/)", path.strip())
    return "/".join(parts[3:]).replace("//", "/")


def _ident(*parts: str) -> str:
    """A stable identifier for QTI (letters and digits only) from the question's names."""
    return "g" + format(zlib.crc32("\x1f".join(parts).encode("utf-8")), "08x")


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


# ---------------------------------------------------------------------------
# Moodle XML (docs.moodle.org, "Moodle XML format": <quiz>, a category question, then
# numerical questions with <answer fraction="100"><text/><tolerance/></answer>)
# ---------------------------------------------------------------------------
def _moodle(questions: list[Question], course: str) -> str:
    quiz = ET.Element("quiz")
    seen = None
    for q in questions:
        if q.category != seen:
            seen = q.category
            cat = ET.SubElement(ET.SubElement(quiz, "question", type="category"), "category")
            ET.SubElement(cat, "text").text = _category_path(course, q.category)
        el = ET.SubElement(quiz, "question", type="numerical")
        ET.SubElement(ET.SubElement(el, "name"), "text").text = q.name
        text = q.text
        qt = ET.SubElement(el, "questiontext", format="html")
        for name in q.files:  # an image of the package: @@PLUGINFILE@@/<name>
            text = text.replace(f'src="{name}"', f'src="@@PLUGINFILE@@/{_file_name(name)}"')
        ET.SubElement(qt, "text").text = text
        for name, data in q.files.items():
            f = ET.SubElement(qt, "file", name=_file_name(name), path="/", encoding="base64")
            f.text = base64.b64encode(data).decode("ascii")
        ET.SubElement(el, "defaultgrade").text = "1"
        ET.SubElement(el, "penalty").text = "0"
        ET.SubElement(el, "hidden").text = "0"
        answer = ET.SubElement(el, "answer", fraction="100", format="moodle_auto_format")
        ET.SubElement(answer, "text").text = _number(q.answer)
        ET.SubElement(answer, "tolerance").text = _number(q.tolerance)
        ET.SubElement(ET.SubElement(answer, "feedback", format="html"), "text").text = ""
        ET.SubElement(el, "unitgradingtype").text = "0"
        ET.SubElement(el, "showunits").text = "3"  # 3: no units asked
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def _read_moodle(data: bytes) -> list[Question]:
    root = ET.fromstring(data)
    if root.tag != "quiz":
        raise ValueError(f"read_quiz: a Moodle XML file has a <quiz> root, not <{root.tag}>")
    out, category = [], ""
    for el in root.findall("question"):
        if el.get("type") == "category":
            category = _category_of(el.findtext("category/text", ""))
            continue
        answer = el.find("answer")
        files = {f.get("name"): base64.b64decode(f.text or "") for f in el.findall("questiontext/file")}
        text = el.findtext("questiontext/text", "").replace('src="@@PLUGINFILE@@/', 'src="')
        out.append(Question(category, el.findtext("name/text", ""), text,
                            float(answer.findtext("text")), float(answer.findtext("tolerance")), files))
    return out


# ---------------------------------------------------------------------------
# GIFT (docs.moodle.org, "GIFT format"): $CATEGORY: lines, then ::title::[html]text{#answer:tolerance}
# ---------------------------------------------------------------------------
def _gift(questions: list[Question], course: str) -> str:
    lines, seen = [], None
    for q in questions:
        if q.category != seen:
            seen = q.category
            # a category line is read to its end: no escapes there, but no line break either
            lines += ["$CATEGORY: " + _category_path(course, q.category).replace("\n", " "), ""]
        lines += [f"::{escape.gift(q.name)}::[html]{escape.gift(q.text)}"
                  f"{{#{_number(q.answer)}:{_number(q.tolerance)}}}", ""]
    return "\n".join(lines)


_UNGIFT = re.compile(r"\\(.)")


def _read_gift(data: bytes) -> list[Question]:
    out, category = [], ""
    question = re.compile(r"::((?:\\.|[^\\:])*)::\[html\]((?:\\.|[^\\{])*)\{#([^:}]+):([^}]+)\}")
    for line in data.decode("utf-8").split("\n"):
        if line.startswith("$CATEGORY:"):
            category = _category_of(line[len("$CATEGORY:"):])
        elif line.strip():
            m = question.fullmatch(line.strip())
            if m is None:
                raise ValueError(f"read_quiz: not a GIFT numerical question: {line[:80]!r}")
            name, text = (_UNGIFT.sub(lambda c: "\n" if c.group(1) == "n" else c.group(1), s) for s in m.group(1, 2))
            out.append(Question(category, name, text, float(m.group(3)), float(m.group(4))))
    return out


# ---------------------------------------------------------------------------
# IMS QTI 1.2 as Canvas imports it (Canvas: Settings → Import course content → QTI .zip):
# imsmanifest.xml names one assessment; each derivative is a <section> that selects one of
# its variants at random; each variant an <item> of question_type numerical_question whose
# response is right when answer − tolerance ≤ response ≤ answer + tolerance. Images sit in
# the package's "Uploaded Media" folder (as Canvas's own exports) and the text points at them
# through $IMS-CC-FILEBASE$, each declared in the manifest as a webcontent resource.
# ---------------------------------------------------------------------------
def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _metadata(parent, **fields):
    meta = _sub(parent, "qtimetadata")
    for label, entry in fields.items():
        f = _sub(meta, "qtimetadatafield")
        _sub(f, "fieldlabel", label)
        _sub(f, "fieldentry", entry)


def _qti(questions: list[Question], title: str) -> dict[str, bytes]:
    quiz_id = _ident("quiz", title)
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    assessment = _sub(root, "assessment", ident=quiz_id, title=title)
    _metadata(assessment, cc_maxattempts="1")
    top = _sub(assessment, "section", ident="root_section")
    groups: dict[str, list[Question]] = {}
    for q in questions:
        groups.setdefault(q.category, []).append(q)
    files: dict[str, bytes] = {}
    for category, variants in groups.items():
        section = _sub(top, "section", ident=_ident("group", category), title=category)
        selection = _sub(_sub(section, "selection_ordering"), "selection")
        _sub(selection, "selection_number", "1")
        _sub(_sub(selection, "selection_extension"), "points_per_item", "1.0")
        for q in variants:
            item = _sub(section, "item", ident=_ident("item", q.category, q.name), title=q.name)
            _metadata(_sub(item, "itemmetadata"), question_type="numerical_question", points_possible="1.0")
            text = q.text
            for name, data in q.files.items():
                path = f"Uploaded Media/{_ident('file', q.name, name)}_{_file_name(name)}"
                files[path] = data
                text = text.replace(f'src="{name}"', f'src="$IMS-CC-FILEBASE$/{path}"')
            presentation = _sub(item, "presentation")
            _sub(_sub(presentation, "material"), "mattext", text, texttype="text/html")
            response = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
            _sub(_sub(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
            processing = _sub(item, "resprocessing")
            _sub(_sub(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE",
                 vartype="Decimal")
            condition = _sub(processing, "respcondition", continue_="No")
            either = _sub(_sub(condition, "conditionvar"), "or")
            # as Canvas writes it: the margin on <varequal>, and the bounds it works out from it
            _sub(either, "varequal", _number(q.answer), respident="response1", margintype="absolute",
                 margin=_number(q.tolerance))
            both = _sub(either, "and")
            _sub(both, "vargte", _number(q.answer - q.tolerance), respident="response1")
            _sub(both, "varlte", _number(q.answer + q.tolerance), respident="response1")
            _sub(condition, "setvar", "100", action="Set", varname="SCORE")
    ET.indent(root)
    quiz_xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    manifest = ET.Element("manifest", identifier=_ident("manifest", title), xmlns=MANIFEST_NS)
    meta = _sub(manifest, "metadata")
    _sub(meta, "schema", "IMS Content")
    _sub(meta, "schemaversion", "1.1.3")
    _sub(manifest, "organizations")
    resources = _sub(manifest, "resources")
    quiz = _sub(resources, "resource", identifier=quiz_id, type="imsqti_xmlv1p2")
    _sub(quiz, "file", href=f"{quiz_id}/{quiz_id}.xml")
    for path in files:
        ident = _ident("resource", path)
        _sub(quiz, "dependency", identifierref=ident)
        _sub(_sub(resources, "resource", identifier=ident, type="webcontent", href=path), "file", href=path)
    ET.indent(manifest)
    manifest_xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(manifest, encoding="unicode") + "\n"
    return {"imsmanifest.xml": manifest_xml.encode("utf-8"), f"{quiz_id}/{quiz_id}.xml": quiz_xml.encode("utf-8"),
            **files}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # the same bytes every run
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buffer.getvalue()


MAX_PACKAGE = 256 * 2**20  # a QTI package we read back: at most 256 MiB unpacked
MAX_QUIZ_FILE = 64 * 2**20  # a quiz file we read back: at most 64 MiB as it lies on disk


def _read_qti(data: bytes) -> list[Question]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if sum(i.file_size for i in z.infolist()) > MAX_PACKAGE:
            raise ValueError(f"read_quiz: the package unpacks to more than {MAX_PACKAGE // 2**20} MiB")
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        ns = {"m": MANIFEST_NS, "q": QTI_NS}
        out = []
        for resource in manifest.findall("m:resources/m:resource[@type='imsqti_xmlv1p2']", ns):
            root = ET.fromstring(z.read(resource.find("m:file", ns).get("href")))
            for section in root.iter(f"{{{QTI_NS}}}section"):
                if section.get("ident") == "root_section":
                    continue
                for item in section.findall("q:item", ns):
                    text = item.findtext("q:presentation/q:material/q:mattext", "", ns)
                    files = {}
                    for path in re.findall(r'src="\$IMS-CC-FILEBASE\$/([^"]+)"', text):
                        name = path.split("_", 1)[1]
                        files[name] = z.read(path)
                        text = text.replace(f"$IMS-CC-FILEBASE$/{path}", name)
                    cond = item.find("q:resprocessing/q:respcondition/q:conditionvar/q:or", ns)
                    equal = cond.find("q:varequal", ns)
                    out.append(Question(section.get("title"), item.get("title"), text, float(equal.text),
                                        float(equal.get("margin")), files))
    return out


# ---------------------------------------------------------------------------
def write_quiz(questions, path: str | os.PathLike, fmt: str, *, title: str = "deltagrad") -> str:
    """Write `questions` (Question objects) as a quiz file in `fmt` ("moodle", "gift",
    "qti"); `title` names the quiz (QTI) and the top question category. Atomic; returns the path."""
    questions = _check(questions)
    # xml.etree escapes & < > itself but writes a control character or a lone surrogate as
    # it is, and the file is unreadable: those become U+FFFD first, in every format
    clean = functools.partial(escape.xml, markup=False)
    questions = [replace(q, category=clean(q.category), name=clean(q.name), text=clean(q.text)) for q in questions]
    course = title = clean(title)
    if fmt == "moodle":
        data: str | bytes = _moodle(questions, course)
    elif fmt == "gift":
        data = _gift(questions, course)
    elif fmt == "qti":
        data = _zip(_qti(questions, title))
    else:
        raise ValueError(f"write_quiz: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return os.fspath(write_atomic(path, data, who="write_quiz"))


def read_quiz(path: str | os.PathLike, fmt: str) -> list[Question]:
    """The questions of a quiz file `write_quiz` wrote (the round trip of the tests)."""
    readers = {"moodle": _read_moodle, "gift": _read_gift, "qti": _read_qti}
    if fmt not in readers:
        raise ValueError(f"read_quiz: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    data = read_bounded(path, MAX_QUIZ_FILE, who="read_quiz", what="a quiz file")
    try:
        return readers[fmt](data)
    except ValueError as err:  # (a UnicodeDecodeError is one)
        problem = str(err).removeprefix("read_quiz: ")
    except (ET.ParseError, zipfile.BadZipFile, zlib.error, KeyError, AttributeError, TypeError, IndexError) as err:
        problem = f"{type(err).__name__}: {err}"  # a damaged file: what the format's reader met
    raise ValueError(f"read_quiz: {os.fspath(path)!r} is not a {fmt} quiz file write_quiz wrote ({problem})")


# ---------------------------------------------------------------------------
# Gradebook imports
# ---------------------------------------------------------------------------
def gradebook_csv(book, path: str | os.PathLike, lms: str, *, assignment: str = "deltagrad",
                  points: float | None = None, section: str = "") -> str:
    """Write `book`'s scores (a Gradebook) as `lms`'s gradebook import ("canvas" or
    "moodle"); a score is points × the fraction right (points: the number of graded
    derivatives unless given). Atomic; returns the path."""
    if lms not in LMS:
        raise ValueError(f"Gradebook.to_csv: unknown lms {lms!r}; use one of {', '.join(LMS)}")
    if points is None:
        points = float(len(book.names))
    if not (isinstance(points, (int, float)) and math.isfinite(points) and points > 0):
        raise ValueError(f"Gradebook.to_csv: points must be a number > 0, got {points!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    marks = {s: round(points * book.score(s), 4) for s in book.students}
    if lms == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", escape.spreadsheet_cell(assignment)])
        writer.writerow(["Points Possible", "", "", "", "", points])
        for s, mark in marks.items():
            cell = escape.spreadsheet_cell(s)
            writer.writerow([cell, "", cell, cell, escape.spreadsheet_cell(section), mark])
    else:
        # Moodle's import maps a column to a user field: an email address when every id is one
        emails = all("@" in s for s in marks)
        writer.writerow(["Email address" if emails else "ID number", escape.spreadsheet_cell(assignment)])
        for s, mark in marks.items():
            writer.writerow([escape.spreadsheet_cell(s), mark])
    return os.fspath(write_atomic(path, buffer.getvalue(), who="Gradebook.to_csv"))
