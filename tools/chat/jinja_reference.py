"""Render templates with jinja2 exactly as transformers configures it, for the fixture generators.

`_compile_jinja_template` builds the ImmutableSandboxedEnvironment (trim_blocks, lstrip_blocks,
AssistantTracker, loopcontrols, transformers' tojson, raise_exception, strftime_now, dict,
namespace). `strftime_now` reads `datetime.now()` through the module's global `datetime`, so the
fixtures replace that global with a class whose `now()` is a fixed moment; the Swift tests pass
the same moment.
"""

import copy
import datetime as _dt
import jinja2
import transformers
from transformers.utils import chat_template_utils

# The fixed "now" for strftime_now (local time; the Swift side rebuilds it from these fields).
FIXED_NOW = {"year": 2024, "month": 9, "day": 5, "hour": 14, "minute": 3, "second": 7}


class _FixedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls(**FIXED_NOW)


chat_template_utils.datetime = _FixedDatetime

VERSIONS = {"transformers": transformers.__version__, "jinja2": jinja2.__version__}


def compile_template(source):
    return chat_template_utils._compile_jinja_template(source)


def render(source, context):
    """The rendered text, or {"type", "message"} of the exception jinja2 raised."""
    # A copy per render: some jinja2 filters change their argument in place (`indent` does
    # `s += "\n"`, which extends a list), and that must not leak into the next case.
    context = copy.deepcopy(context)
    try:
        return {"output": compile_template(source).render(**context)}
    except Exception as e:  # noqa: BLE001 - every failure is an expected outcome to record
        return {"error": {"type": type(e).__name__, "message": str(e)}}
