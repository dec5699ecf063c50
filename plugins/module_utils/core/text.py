# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What messages show of what the user typed or the API holds.

A name with an invisible character ("my<U+200B>webserver") printed raw reads as another
name, and a NUL or an escape sequence can garble a terminal or a log: every message leaves
the modules through ``printable``, which escapes each non-printable character the way
Python's repr does (``\\u200b``, ``\\x00``, ``\\n``) and keeps the rest as typed (the OVN
module's names were already shown with repr; this is the same rule for whole messages).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def printable(value):
    """``value`` as text with every non-printable character escaped (repr's escapes)."""
    if not isinstance(value, str):
        value = str(value)
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)
