# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bounded-memory compare of static lists: digests, exact counts and samples, the consuming JSON decoder."""
from __future__ import annotations

import json
import random
from array import array

import pytest

from ansible_collections.logpoint.siem.plugins.module_utils._json_consumers import ConsumingDecoder
from ansible_collections.logpoint.siem.plugins.module_utils.api.lists import list_lists
from ansible_collections.logpoint.siem.plugins.module_utils.resources.lists import (
    DigestCollector, DigestIndex, ServerValues, compare, digest_of, find_list, normalised_file)


def reference(desired, current, sample_size):
    """The compare done with full string sets, as before digests."""
    wanted = list(dict.fromkeys(value.strip() for value in desired if value.strip()))
    have = [str(value) for value in current]
    added = [value for value in wanted if value not in set(have)]
    removed = list(dict.fromkeys(value for value in have if value not in set(wanted)))
    return {"added": len(added), "removed": len(removed), "values_added": added[:sample_size],
            "values_removed": removed[:sample_size]}


def digest_compare(desired, current, sample_size, chunk=7):
    with normalised_file(desired, "values", ".txt") as wanted:
        server = ServerValues(wanted.index, sample_size)
        for start in range(0, len(current), chunk):  # as the decoder hands them over, a few at a time
            server.extend(current[start:start + chunk])
        return compare(wanted, server, sample_size), list(wanted)


@pytest.mark.parametrize("seed", range(5))
def test_counts_and_samples_are_exactly_those_of_the_string_set_compare(seed):
    rng = random.Random(seed)
    pool = ["value-%d" % number for number in range(3000)]
    desired = [rng.choice(pool) for number in range(2000)] + [" padded ", "", "  "]
    current = [rng.choice(pool) for number in range(1500)] + [42, "padded"]
    for sample_size in (0, 1, 20):
        changes, ordered = digest_compare(desired, current, sample_size)
        assert changes == reference(desired, current, sample_size)
    assert ordered == list(dict.fromkeys(value.strip() for value in desired if value.strip()))


def test_equal_lists_in_another_order_with_repeats_on_both_sides():
    desired = ["b", "a", "c", "a"]
    changes, ordered = digest_compare(desired, ["c", "c", "a", "b", "b"], 20)
    assert changes == {"added": 0, "removed": 0, "values_added": [], "values_removed": []} and ordered == ["b", "a", "c"]


def test_a_new_list_adds_every_value_and_samples_the_first_in_file_order():
    with normalised_file(["z%d" % n for n in range(50)], "values", ".txt") as wanted:
        assert compare(wanted, None, 3) == {"added": 50, "removed": 0, "values_added": ["z0", "z1", "z2"],
                                            "values_removed": []}


def test_a_replaced_list_counts_every_removed_value_once_and_samples_them_in_server_order():
    changes, _ordered = digest_compare(["new"], ["old-2", "old-1", "old-2", "old-3"], 2)
    assert changes == {"added": 1, "removed": 3, "values_added": ["new"], "values_removed": ["old-2", "old-1"]}


def test_the_collector_sorts_bucket_by_bucket_and_reports_repeats():
    collector = DigestCollector()
    for value in ("a", "b", "a", "c", "b"):
        collector.add(digest_of(value))
    index, repeated = collector.sort()
    assert len(index) == 3 and all(collector.buckets[number] is None for number in range(256))
    assert list(index.high) == sorted(index.high)
    assert len(repeated) == 2
    assert sorted(index.find(digest_of(value)) for value in "abc") == [0, 1, 2] and index.find(digest_of("d")) == -1


def test_find_tells_apart_digests_that_share_their_first_eight_bytes():
    high = 0x1234 << 48
    index = DigestIndex(array("Q", [high, high, high + 1]), array("Q", [5, 9, 1]))
    assert index.find((high).to_bytes(8, "big") + (9).to_bytes(8, "big")) == 1
    assert index.find((high).to_bytes(8, "big") + (7).to_bytes(8, "big")) == -1
    assert index.find((high + 1).to_bytes(8, "big") + (1).to_bytes(8, "big")) == 2


# ---- the consuming decoder --------------------------------------------------------------------------

class Collect:
    def __init__(self):
        self.values = []

    def extend(self, values):
        self.values.extend(values)

    def result(self):
        return ("consumed", self.values)


DOCUMENTS = [
    {}, [], "text", 5, -1.5e3, True, None, [[], {}, [1, [2, [3]]]],
    {"rows": [{"name": "A", "lists": ["x", "y\"z", "tab\there", "é", "\u2028", 7, None, {"k": [1]}, ""]}], "total": 1},
    {"a": {"lists": []}, "b": " spaced ", "lists": "not an array", "c": [0, 0.5, 1e-3, -0, False]},
    {"lists": ["plain-%d" % number for number in range(20000)] + ["last \\ one"]},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_decoder_decodes_what_json_loads_decodes(document):
    for text in (json.dumps(document), json.dumps(document, indent=2), json.dumps(document, separators=(",", ":"))):
        assert ConsumingDecoder({})(text.encode("utf-8")) == json.loads(text)
        assert ConsumingDecoder({})(bytearray(text.encode("utf-8"))) == json.loads(text)


def test_arrays_under_the_key_go_to_the_consumer_and_nothing_else_does():
    document = DOCUMENTS[8]
    decoded = ConsumingDecoder({"lists": Collect})(json.dumps(document).encode("utf-8"))
    assert decoded["rows"][0]["lists"] == ("consumed", document["rows"][0]["lists"])
    assert decoded["total"] == 1
    other = ConsumingDecoder({"lists": Collect})(json.dumps(DOCUMENTS[9]).encode("utf-8"))
    assert other == dict(DOCUMENTS[9], a={"lists": ("consumed", [])})


@pytest.mark.parametrize("text", [b"", b"{", b"[1,]", b'{"a":1,}', b"[1 2]", b'{"a" 1}', b"<html>", b"[1]x",
                                  b"{1:2}", b'["a]', b'["\xff"]', b'["a\nb"]', b"[tru]", b'{"a":}'])
def test_malformed_bodies_are_value_errors(text):
    with pytest.raises(ValueError):
        ConsumingDecoder({"lists": Collect})(text)


def test_the_same_body_checked_then_decoded_is_decoded_once():
    made = []

    def factory():
        made.append(Collect())
        return made[-1]

    decoder = ConsumingDecoder({"lists": factory})
    body = b'{"lists": ["a"]}'
    assert decoder(body) is decoder(body) and len(made) == 1
    decoder(bytearray(body))  # another body object: decoded again
    assert len(made) == 2


def test_list_lists_hands_the_consumer_and_reads_bytes():
    class Client:
        def list_all(self, path, **options):
            self.options = options
            body = json.dumps({"rows": [{"name": "BAD", "id": "1", "list_type": "static_list", "lists": ["a"]}]})
            return options["loads"](body.encode("utf-8"))["rows"]

    client = Client()
    found = find_list(list_lists(client, with_values=True, consume=Collect), "bad")
    assert found["values"] == ("consumed", ["a"]) and client.options["as_bytes"] is True
