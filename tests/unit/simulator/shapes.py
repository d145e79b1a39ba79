"""The shape of a JSON value: its keys and value types, without the values.

Two bodies with equal shapes carry the same keys with the same JSON types at every level, so a
simulator response can be compared with a body captured from a real server.
"""

import json


def shape(value):
    """dict -> {key: shape}; list -> sorted distinct element shapes; scalar -> its JSON type name."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        distinct = {json.dumps(shape(item), sort_keys=True) for item in value}
        return [json.loads(text) for text in sorted(distinct)]
    return _scalar_type(value)


def _scalar_type(value):
    # bool before int: in Python True is an int, in JSON it is not a number.
    for python_type, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str"), (type(None), "null")):
        if isinstance(value, python_type):
            return name
    raise TypeError(f"not a JSON value: {value!r}")
