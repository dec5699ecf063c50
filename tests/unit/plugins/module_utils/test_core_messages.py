"""findings.shorten: a message names at most MAX_IN_MESSAGE findings and says how many more."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import MAX_IN_MESSAGE, shorten


def test_short_lists_are_joined_whole():
    assert shorten([]) == ""
    assert shorten(["a", "b"]) == "a; b"
    assert shorten(["x"] * MAX_IN_MESSAGE) == "; ".join(["x"] * MAX_IN_MESSAGE)


def test_long_lists_name_the_first_and_count_the_rest():
    texts = ["finding %d" % i for i in range(10000)]
    text = shorten(texts)
    assert text == "finding 0; finding 1; finding 2; finding 3; finding 4; ... and 9995 more (all of them in findings)"
    assert shorten(iter(texts), limit=2, sep=", ", rest="findings_after") == \
        "finding 0, finding 1, ... and 9998 more (all of them in findings_after)"
