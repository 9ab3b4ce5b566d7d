"""extract / init / update: what translators see in their PO files, checked against GNU gettext."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.pofile import read_po, render_po

POT = Path("locales/templates/numbness-of-the-legs.pot")
LOCALES = ("es", "fr", "de", "ar", "zh_Hans", "pt_BR")
needs_gettext = pytest.mark.skipif(
    not (shutil.which("msgfmt") and shutil.which("msgcat")), reason="GNU gettext not installed"
)


def po(root: Path, locale: str) -> Path:
    return root / "locales" / locale / "LC_MESSAGES" / "numbness-of-the-legs.po"


def catalog(path: Path):
    return read_po(path.read_bytes(), path.name)


def fill(path: Path, prefix: str = "T: ") -> None:
    """Give every entry a translation (stand-in text; these tests are about the workflow)."""
    cat = catalog(path)
    for message in cat:
        if message.id:
            message.string = prefix + message.id
            message.flags.discard("fuzzy")
            message.previous_id = []
    path.write_bytes(render_po(cat))


def msgfmt_check(path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def edit_source(root: Path, old: str, new: str) -> None:
    path = root / "source" / "numbness-of-the-legs.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_shipped_templates_and_catalogs_are_current(project_copy: Path, run) -> None:
    assert run(project_copy, "extract", "--check")[0] == 0
    code, out, _ = run(project_copy, "update", "--check")
    assert code == 0, out


def test_template_entries_follow_the_document(project_copy: Path, run) -> None:
    cat = catalog(project_copy / POT)
    messages = [m for m in cat if m.id]
    assert [m.context for m in messages][:4] == [
        "title",
        "category",
        "overview/heading",
        "overview/definition",
    ]
    assert len(messages) == 36
    lead = cat.get(
        next(m.id for m in messages if m.context == "symptoms/seek-immediate-help"),
        context="symptoms/seek-immediate-help",
    )
    assert lead.locations == [("source/numbness-of-the-legs.yaml", 108)]
    comments = " ".join(lead.auto_comments)
    assert "URGENT-CARE WARNING (emergency)" in comments
    assert "completely" in comments
    assert not lead.flags  # the marker lives in #. comments, never in custom #, flags
    flag = next(m for m in messages if m.context.endswith("/loss-of-vision"))
    assert "red-flag symptom 6 of 6" in " ".join(flag.auto_comments)


def test_extract_twice_changes_nothing(project_copy: Path, run) -> None:
    pot = project_copy / POT
    pot.unlink()
    assert run(project_copy, "extract")[0] == 0
    before = pot.read_bytes(), pot.stat().st_mtime_ns
    code, out, _ = run(project_copy, "extract")
    assert code == 0 and "up to date" in out
    assert (pot.read_bytes(), pot.stat().st_mtime_ns) == before


def test_pot_creation_date_moves_only_with_content(project_copy: Path, run, monkeypatch) -> None:
    pot = project_copy / POT
    old = catalog(pot).creation_date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run(project_copy, "extract")
    assert catalog(pot).creation_date == old  # nothing changed
    edit_source(project_copy, "Herniated disks", "Herniated discs")
    assert run(project_copy, "extract")[0] == 0
    assert b"POT-Creation-Date: 2023-11-14 22:13+0000" in pot.read_bytes()


@needs_gettext
def test_init_writes_a_header_gettext_accepts(project_copy: Path, run) -> None:
    shutil.rmtree(project_copy / "locales" / "ar")
    code, out, _ = run(project_copy, "init", "ar")
    assert code == 0 and "created" in out
    text = po(project_copy, "ar").read_text()
    assert '"Language: ar\\n"' in text
    assert "nplurals=6;" in text
    assert '"Content-Type: text/plain; charset=utf-8\\n"' in text
    assert "Project-Id-Version: careloc" in text
    msgfmt_check(po(project_copy, "ar"))


def test_init_accepts_a_bcp47_tag_and_writes_a_gettext_directory(project_copy: Path, run) -> None:
    code, out, _ = run(project_copy, "init", "pt-PT")
    assert code == 0, out
    text = po(project_copy, "pt_PT").read_text()
    assert '"Language: pt_PT\\n"' in text
    assert not (project_copy / "locales" / "pt-PT").exists()


def test_init_refuses_to_overwrite(project_copy: Path, run) -> None:
    path = po(project_copy, "es")
    before = path.read_bytes()
    code, _, err = run(project_copy, "init", "es")
    assert code == 1
    assert "already exists" in err
    assert path.read_bytes() == before


@pytest.mark.parametrize("bad", ["xx_QQ", "../etc", "es-ES-x", "EN"])
def test_init_rejects_unknown_locales_as_usage_errors(project_copy: Path, run, bad: str) -> None:
    code, _, err = run(project_copy, "init", bad)
    assert code == 2
    assert "[unknown-locale]" in err
    assert not (project_copy / "locales" / bad).exists()


@pytest.mark.slow
@needs_gettext
def test_source_edit_makes_fuzzy_with_previous_msgid_in_every_locale(
    project_copy: Path, run
) -> None:
    for locale in LOCALES:
        fill(po(project_copy, locale))
    old = "You should talk to a doctor if your numbness lasts more than a few minutes."
    new = "You should talk to a doctor if your numbness lasts more than a few minutes or returns."
    edit_source(project_copy, old, new)
    assert run(project_copy, "extract")[0] == 0
    code, out, _ = run(project_copy, "update", "--check")
    assert code == 1
    assert len(out.strip().splitlines()) == len(LOCALES)
    assert run(project_copy, "update")[0] == 0
    for locale in LOCALES:
        path = po(project_copy, locale)
        msgfmt_check(path)
        text = path.read_text()
        entry = text[text.index("#| msgid") : text.index('msgctxt "treatment/see-a-doctor"')]
        assert entry.startswith('#| msgid ""\n#| "You should talk to a doctor if your numbness')
        assert all(line.startswith("#| ") for line in entry.splitlines())
        message = catalog(path).get(new, context="treatment/see-a-doctor")
        assert message.string == "T: " + old  # the translation is kept, flagged for review
        assert message.fuzzy
        # everything else untouched
        other = catalog(path).get("Herniated disks", context="causes-nerve-damage/herniated-disks")
        assert other.string == "T: Herniated disks" and not other.fuzzy
    assert run(project_copy, "update", "--check")[0] == 0


@needs_gettext
def test_new_and_removed_units(project_copy: Path, run) -> None:
    path = po(project_copy, "de")
    fill(path)
    edit_source(
        project_copy,
        "            - id: thyroid\n              text: Thyroid diseases\n",
        "            - id: alcohol\n              text: Alcohol misuse\n",
    )
    run(project_copy, "extract")
    run(project_copy, "update")
    cat = catalog(path)
    assert cat.get("Alcohol misuse", context="causes-nerve-damage/alcohol").string == ""
    obsolete = {m.context: m for m in cat.obsolete.values()}
    assert obsolete["causes-nerve-damage/thyroid"].string == "T: Thyroid diseases"
    assert '#~ msgctxt "causes-nerve-damage/thyroid"' in path.read_text()
    msgfmt_check(path)
    before = path.read_bytes()
    run(project_copy, "update")
    assert path.read_bytes() == before


@needs_gettext
def test_no_rewrite_after_another_tool_rewrapped_the_file(project_copy: Path, run) -> None:
    path = po(project_copy, "fr")
    fill(path, "Traduction : ")
    subprocess.run(["msgcat", "--no-wrap", "-o", str(path), str(path)], check=True)
    rewrapped = path.read_bytes()
    stamp = path.stat().st_mtime_ns
    code, out, _ = run(project_copy, "update", "--locale", "fr")
    assert code == 0 and "up to date" in out
    assert path.read_bytes() == rewrapped
    assert path.stat().st_mtime_ns == stamp
    assert run(project_copy, "update", "--check")[0] == 0


def test_update_check_writes_nothing(project_copy: Path, run) -> None:
    edit_source(project_copy, "Thyroid diseases", "Thyroid disease")
    run(project_copy, "extract")
    path = po(project_copy, "es")
    before = path.read_bytes()
    code, out, _ = run(project_copy, "update", "--check")
    assert code == 1
    assert "locales/es/LC_MESSAGES/numbness-of-the-legs.po" in out
    assert path.read_bytes() == before


def test_language_header_must_match_directory(project_copy: Path, run) -> None:
    path = po(project_copy, "fr")
    path.write_bytes(path.read_bytes().replace(b'"Language: fr\\n"', b'"Language: es\\n"'))
    before = path.read_bytes()
    code, _, err = run(project_copy, "update")
    assert code == 1
    assert "locales/fr/LC_MESSAGES/numbness-of-the-legs.po:" in err
    assert "[header-language]" in err
    assert path.read_bytes() == before


def test_broken_po_stops_update_before_anything_is_written(project_copy: Path, run) -> None:
    edit_source(project_copy, "Thyroid diseases", "Thyroid disease")
    run(project_copy, "extract")
    good, bad = po(project_copy, "ar"), po(project_copy, "zh_Hans")
    bad.write_bytes(bad.read_bytes() + b'\nmsgid "unterminated\n')
    before = good.read_bytes(), bad.read_bytes()
    code, _, err = run(project_copy, "update")
    assert code == 1
    assert "po-syntax" in err and "Traceback" not in err
    assert (good.read_bytes(), bad.read_bytes()) == before


def test_unknown_locale_option_is_a_usage_error(project_copy: Path, run) -> None:
    assert run(project_copy, "update", "--locale", "klingon")[0] == 2


PLURAL_TITLE = (
    '\nmsgctxt "title"\nmsgid "one leg"\nmsgid_plural "%d legs"\n'
    'msgstr[0] "una pierna"\nmsgstr[1] "%d piernas"\n'
)


def _without_entry(text: str, context: str) -> str:
    start = text.index(f'msgctxt "{context}"')
    start = text.rindex("\n\n", 0, start) + 2
    end = text.index("\n\n", start) + 2
    return text[:start] + text[end:]


@needs_gettext
def test_update_merges_a_plural_entry_into_a_singular_unit_as_msgmerge_does(
    project_copy: Path, run
) -> None:
    """A unit whose entry msgfmt accepts as a plural entry: msgmerge keeps the first
    form, fuzzy, with the previous msgid and msgid_plural; no traceback."""
    path = po(project_copy, "es")
    path.write_text(_without_entry(path.read_text(), "title") + PLURAL_TITLE)
    msgfmt_check(path)
    code, out, err = run(project_copy, "update", "--locale", "es")
    assert code == 0 and "Traceback" not in err, out + err
    message = catalog(path).get("Numbness of the Legs", context="title")
    assert message.string == "una pierna"
    assert message.fuzzy and message.previous_id == ["one leg", "%d legs"]
    assert '#| msgid_plural "%d legs"' in path.read_text()
    msgfmt_check(path)
    assert run(project_copy, "update", "--check")[0] == 0


@pytest.mark.parametrize("command", ["check", "update"])
def test_a_huge_nplurals_is_refused_at_its_line_and_nothing_is_written(
    project_copy: Path, run, command: str
) -> None:
    path = po(project_copy, "es")
    text = path.read_text().replace("nplurals=2;", "nplurals=400000000;")
    path.write_text(text + PLURAL_TITLE.replace('"title"', '"extra"'))
    line = text[: text.index("nplurals=")].count("\n") + 1
    before = {p: p.read_bytes() for p in (project_copy / "locales").rglob("*.po")}
    code, out, err = run(project_copy, command)
    assert code == 1
    assert "Traceback" not in err
    where = f"locales/es/LC_MESSAGES/numbness-of-the-legs.po:{line}"
    assert f"{where}: error: [header-plural-forms]" in out + err
    assert "no language has more than 6 plural forms" in out + err
    assert {p: p.read_bytes() for p in before} == before


def test_update_keeps_the_file_mode_and_gives_new_files_the_umask_mode(
    project_copy: Path, run
) -> None:
    edit_source(project_copy, "Thyroid diseases", "Thyroid disease")
    run(project_copy, "extract")
    path = po(project_copy, "fr")
    path.chmod(0o664)
    shutil.rmtree(project_copy / "locales" / "de")
    old = os.umask(0o027)
    try:
        assert run(project_copy, "update")[0] == 0
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o664
    assert "Thyroid disease" in path.read_text()
    assert (po(project_copy, "de").stat().st_mode & 0o777) == 0o640
    assert (project_copy / POT).stat().st_mode & 0o777 != 0o600


def test_update_removes_the_temporary_files_a_killed_update_left(
    project_copy: Path, run, tmp_path: Path
) -> None:
    folder = po(project_copy, "es").parent
    leftover = folder / ".numbness-of-the-legs.po.k3x_9abc.tmp"
    leftover.write_bytes(b"half a file")
    templates = (project_copy / POT).parent
    pot_leftover = templates / ".numbness-of-the-legs.pot.a1b2c3d4.tmp"
    pot_leftover.write_bytes(b"half")
    outside = tmp_path / "canary"
    outside.write_text("keep me")
    link = folder / ".numbness-of-the-legs.po.linklink.tmp"
    link.symlink_to(outside)
    theirs = folder / ".notes.txt.abcdefgh.tmp"  # not a name careloc makes for its files
    theirs.write_text("not ours")
    assert run(project_copy, "update", "--check")[0] == 0
    assert leftover.exists()  # --check changes nothing
    assert run(project_copy, "update")[0] == 0
    assert run(project_copy, "extract")[0] == 0
    assert not leftover.exists() and not pot_leftover.exists()
    assert link.is_symlink() and outside.read_text() == "keep me"
    assert theirs.read_text() == "not ours"


# -- the template compared with the source without making catalogs -------------------------
_TEMPLATE_EDITS = {
    "nothing": lambda t: t,
    "another creation date": lambda t: t.replace(
        "POT-Creation-Date: 2026-11-25 09:11+0000", "POT-Creation-Date: 2001-01-01 00:00+0200"
    ),
    "another generator": lambda t: t.replace("Generated-By: careloc", "Generated-By: Babel"),
    "comments wrapped otherwise": lambda t: t.replace(
        "#. Paragraph. Section 'overview'.", "#. Paragraph.\n#. Section 'overview'."
    ),
    "a msgid edited": lambda t: t.replace('msgid "Articles"', 'msgid "Article"'),
    "a msgctxt edited": lambda t: t.replace('msgctxt "category"', 'msgctxt "kategory"'),
    "an extracted comment edited": lambda t: t.replace("#. Article title.", "#. Article name."),
    "a reference moved": lambda t: t.replace("legs.yaml:8\n", "legs.yaml:9\n"),
    "a flag added": lambda t: t.replace('msgctxt "category"', '#, fuzzy\nmsgctxt "category"', 1),
    "a translator comment added": lambda t: t.replace("#. Article t", "# a\n#. Article t"),
    "a previous msgid added": lambda t: t.replace(
        'msgctxt "category"', '#| msgid "Article"\nmsgctxt "category"', 1
    ),
    "a msgstr filled": lambda t: t.replace('"Articles"\nmsgstr ""', '"Articles"\nmsgstr "x"'),
    "the header comment edited": lambda t: t.replace("Do not edit", "Please do not edit"),
    "the header not fuzzy": lambda t: t.replace('#, fuzzy\nmsgid ""', 'msgid ""', 1),
    "a header field edited": lambda t: t.replace("charset=utf-8", "charset=latin-1"),
    "a header field added": lambda t: t.replace('"MIME-', '"Language: es\\n"\n"MIME-'),
    "an unreadable creation date": lambda t: t.replace("2026-11-25 09:11+0000", "yesterday"),
    "an impossible creation date": lambda t: t.replace("2026-11-25 09:11", "2026-13-45 09:11"),
    "an entry removed": lambda t: t.replace(
        "#. Category the article is filed under.\n#: source/numbness-of-the-legs.yaml:8\n"
        'msgctxt "category"\nmsgid "Articles"\nmsgstr ""\n\n',
        "",
    ),
    "an obsolete entry added": lambda t: t + '\n#~ msgctxt "old"\n#~ msgid "Gone"\n#~ msgstr ""\n',
}


@pytest.mark.parametrize("edit", sorted(_TEMPLATE_EDITS))
def test_a_template_read_as_current_is_what_extract_makes(project_copy: Path, edit: str) -> None:
    """``says_template`` (the template's text compared with the source, no catalog made)
    says current only where ``content_key`` of the two catalogs agrees, and for the
    template ``careloc extract`` writes."""
    from pipeline import __version__
    from pipeline.extract import build_template, says_template
    from pipeline.pofile import content_key
    from pipeline.project import Project

    project = Project(project_copy)
    article = project.load().articles[0]
    text = (project_copy / POT).read_text(encoding="utf-8")
    edited = _TEMPLATE_EDITS[edit](text)
    assert edited != text or edit == "nothing", "the edit must change the template"
    data = edited.encode()
    fast = says_template(article, data, POT.as_posix(), __version__)
    try:
        old = read_po(data, POT.name)
    except Exception:
        assert not fast
        return
    new = build_template(article, __version__)
    new.creation_date = old.creation_date
    assert fast <= (content_key(old) == content_key(new))
    if edit in ("nothing", "another creation date", "another generator"):
        assert fast
    if edit == "comments wrapped otherwise":
        assert content_key(old) == content_key(new)  # the slow comparison decides
