"""A small declarative validator for YAML mappings (config, issue metadata, front matter).

Each field names its kind; :func:`validate` checks a whole mapping and reports every problem
(missing, wrong type, unknown key with a "did you mean") with its line, then returns the clean
values. One mechanism for the three YAML inputs keeps their messages identical.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .diagnostics import Diagnostics, Location
from .sources import KeyPath, YamlDocument

_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


class Invalid(ValueError):
    """Raised by a converter with the Chinese message to show."""


def to_text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise Invalid("应为一段文字")
    if isinstance(value, (dt.date, dt.datetime)):
        raise Invalid("应为一段文字（如果本意是日期，请检查字段名）")
    text = str(value).strip()
    if not text:
        raise Invalid("不能为空")
    return text


def to_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise Invalid(f"应为整数，实际是“{value}”")
    return value


def to_positive_int(value: Any) -> int:
    number = to_int(value)
    if number < 1:
        raise Invalid(f"应为正整数，实际是 {number}")
    return number


def to_date(value: Any) -> dt.date:
    """Accept YAML dates (2020-08-25) and written Chinese dates (2020年8月25日)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = _ISO_DATE.match(value) or _CN_DATE.match(value)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                raise Invalid(f"“{value}”不是真实存在的日期") from None
    raise Invalid(f"应为日期，写作 2020-08-25，实际是“{value}”")


def to_text_list(value: Any) -> tuple[str, ...]:
    """A list of texts; a single text is a list of one (one issuer, one attachment)."""
    if isinstance(value, dict):
        raise Invalid("应为列表（每项一行，以“- ”开头）或一段文字，不是“字段: 值”的映射")
    items = value if isinstance(value, list) else [value]
    if not items:
        raise Invalid("列表不能为空")
    return tuple(to_text(item) for item in items)


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Invalid("应为 true 或 false")


def one_of(*choices: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = to_text(value)
        if text not in choices:
            raise Invalid(f"应为 {'、'.join(choices)} 之一，实际是“{text}”")
        return text
    return convert


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    convert: Callable[[Any], Any]
    required: bool = False
    default: Any = None
    label: str = ""
    """The field's Chinese name for messages (标题, 成文日期…)."""


def validate(
    doc: YamlDocument,
    fields: list[Field],
    rel: str,
    diags: Diagnostics,
    *,
    prefix: KeyPath = (),
    code_area: str = "front-matter",
) -> dict[str, Any] | None:
    """Validate the mapping at ``prefix`` in ``doc``; None if it has an error."""
    data: Any = doc.data
    for key in prefix:
        data = data[key]
    where = ".".join(str(k) for k in prefix)
    if not isinstance(data, Mapping):
        diags.error(f"{code_area}.type", f"{where or '内容'}应为“字段: 值”形式的映射",
                    Location(rel, *doc.position_of(*prefix)))
        return None
    known = {f.name: f for f in fields}
    ok = True
    for key in data:
        if key not in known:
            ok = False
            close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
            hint = f"是不是想写 {close[0]}？" if close else f"可用的字段：{'、'.join(known)}"
            diags.error(f"{code_area}.unknown-key", f"未知字段“{key}”",
                        Location(rel, *doc.position_of(*prefix, key)), hint)
    values: dict[str, Any] = {}
    for spec in fields:
        label = f"{spec.name}（{spec.label}）" if spec.label else spec.name
        if spec.name not in data or data[spec.name] is None:
            if spec.required:
                ok = False
                diags.error(f"{code_area}.missing", f"缺少必填字段 {label}",
                            Location(rel, *doc.position_of(*prefix, spec.name)))
            values[spec.name] = spec.default
            continue
        try:
            values[spec.name] = spec.convert(data[spec.name])
        except Invalid as exc:
            ok = False
            line, column, _exact = doc.value_position((*prefix, spec.name))
            diags.error(f"{code_area}.type", f"字段 {label} {exc}", Location(rel, line, column))
    return values if ok else None
