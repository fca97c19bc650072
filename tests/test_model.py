"""gazette.model: the loaded project that check, build and the preview share.

A model kept between validations re-reads only the files whose text (or images) changed, and
must give exactly what reading every file afresh gives: the same issue, the same diagnostics.
"""

from __future__ import annotations

import io
import os

from PIL import Image

from gazette.config import load_config
from gazette.diagnostics import Diagnostics
from gazette.model import ProjectModel

from .conftest import SAMPLE

NOTICE = "05-yinzhengfa-2020-71.md"


def _validate(model: ProjectModel, issue_dir):
    diags = Diagnostics()
    issue = model.validate_issue(issue_dir, diags)
    return issue, [d.format() for d in diags]


def _fresh(config, issue_dir):
    return _validate(ProjectModel(config), issue_dir)


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_kept_model_reloads_only_the_changed_notice_and_agrees_with_a_fresh_one(scratch):
    config = load_config(scratch / "config.yaml")
    issue_dir = scratch / "content" / SAMPLE
    model = ProjectModel(config)
    issue, _ = _validate(model, issue_dir)
    count = len(issue.notices)
    assert model.loaded == count
    _validate(model, issue_dir)
    assert model.loaded == count  # nothing changed: nothing loaded again

    notice = issue_dir / NOTICE
    _edit(notice, "今年以来，", "今年以来,  ")  # half-width comma and stray spaces: two warnings
    kept, kept_diags = _validate(model, issue_dir)
    assert model.loaded == count + 1
    fresh, fresh_diags = _fresh(config, issue_dir)
    assert kept_diags == fresh_diags
    assert any("halfwidth-punct" in d and NOTICE in d for d in kept_diags)
    assert [n.body.html for n in kept.notices] == [n.body.html for n in fresh.notices]
    assert kept == fresh
    # Unchanged notices are the very objects of the previous load (what the page cache keys on).
    unchanged = [n for n in kept.notices if n.source.path.name != NOTICE]
    assert all(any(n is old for old in issue.notices) for n in unchanged)

    _edit(notice, "section: 银川市政府文件", "section: 不存在的栏目")
    broken, broken_diags = _validate(model, issue_dir)
    assert broken is None and broken_diags == _fresh(config, issue_dir)[1]
    assert any("notice.unknown-section" in d for d in broken_diags)


def test_an_edited_issue_yaml_is_read_again(scratch):
    config = load_config(scratch / "config.yaml")
    issue_dir = scratch / "content" / SAMPLE
    model = ProjectModel(config)
    issue, _ = _validate(model, issue_dir)
    assert issue.meta.published.day == 25
    _edit(issue_dir / "issue.yaml", "published: 2020-09-25", "published: 2020-09-26")
    issue, _ = _validate(model, issue_dir)
    assert issue.meta.published.day == 26
    _edit(issue_dir / "issue.yaml", "published: 2020-09-26", "published: 2020-08-01")
    issue, diags = _validate(model, issue_dir)  # now earlier than some notices' dates
    assert issue is None and diags == _fresh(config, issue_dir)[1]
    assert any("notice.date-after-published" in d for d in diags)


def test_a_notice_is_loaded_again_when_its_image_changes(scratch):
    """The notice's text is unchanged, but the picture it shows became a broken file: the
    verdict must change (the model keys on the stamps of the files a body refers to)."""
    config = load_config(scratch / "config.yaml")
    issue_dir = scratch / "content" / SAMPLE
    picture = issue_dir / "图1.png"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, "PNG")
    picture.write_bytes(buffer.getvalue())
    _edit(issue_dir / NOTICE, "今年以来，", "![示意图](图1.png)\n\n今年以来，")
    model = ProjectModel(config)
    issue, diags = _validate(model, issue_dir)
    assert issue is not None, diags
    notice = next(n for n in issue.notices if n.source.path.name == NOTICE)
    assert notice.body.images == (picture.resolve(),)
    loaded = model.loaded
    picture.write_bytes(b"not a picture at all")
    os.utime(picture, ns=(1, 1))  # an old time stamp: the size tells
    issue, diags = _validate(model, issue_dir)
    assert model.loaded == loaded + 1
    assert issue is None and any("image.invalid" in d for d in diags)
    picture.unlink()
    issue, diags = _validate(model, issue_dir)
    assert any("image.missing" in d for d in diags)
