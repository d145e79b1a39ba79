# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A multipart/form-data body that streams one file from disk.

``requests`` builds multipart bodies in memory; a list of a million values would then exist once
more as one large bytes object. ``MultipartFileBody`` knows its length up front (so the request
carries ``Content-Length``, not chunked encoding) and yields the form fields, the file in blocks
and the closing boundary. Each iteration starts again from the beginning, so a retried request
sends the whole body again.
"""

from __future__ import annotations

import os
import uuid

BLOCK_SIZE = 64 * 1024


def _quoted(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


class MultipartFileBody:
    """``fields`` (name -> text) and one file part ``file_field`` read from ``path``, sent as ``filename``."""

    def __init__(self, fields, file_field, path, filename, content_type="text/plain"):
        self.path = path
        self.boundary = uuid.uuid4().hex
        head = []
        for name, value in fields.items():
            head.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                        % (self.boundary, _quoted(name), value))
        head.append('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: %s\r\n\r\n'
                    % (self.boundary, _quoted(file_field), _quoted(filename), content_type))
        self.head = "".join(head).encode("utf-8")
        self.tail = ("\r\n--%s--\r\n" % self.boundary).encode("ascii")

    @property
    def content_type(self):
        return "multipart/form-data; boundary=%s" % self.boundary

    @property
    def headers(self):
        return {"Content-Type": self.content_type}

    def __len__(self):
        return len(self.head) + os.path.getsize(self.path) + len(self.tail)

    def __iter__(self):
        yield self.head
        with open(self.path, "rb") as handle:
            block = handle.read(BLOCK_SIZE)
            while block:
                yield block
                block = handle.read(BLOCK_SIZE)
        yield self.tail
