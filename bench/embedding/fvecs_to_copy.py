"""Converts an .fvecs file into a PostgreSQL COPY BINARY stream of (id int4,
vec) rows, where vec is in the binary form that embedding and pgvector's
vector share (int16 dim, int16 0, big-endian float4), so one file loads both.

usage: fvecs_to_copy.py FILE.fvecs [LIMIT] > out.copy
"""
import struct
import sys

import numpy as np


def main():
    raw = np.fromfile(sys.argv[1], dtype=np.int32)
    dim = int(raw[0])
    vecs = raw.reshape(-1, dim + 1)[:, 1:].view(np.float32)
    if len(sys.argv) > 2:
        vecs = vecs[: int(sys.argv[2])]
    out = sys.stdout.buffer
    out.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0))
    field_len = 4 + 4 * dim
    body = vecs.astype(">f4").tobytes()
    row = 4 * dim
    for i in range(len(vecs)):
        out.write(struct.pack("!hii", 2, 4, i + 1))
        out.write(struct.pack("!ihh", field_len, dim, 0))
        out.write(body[i * row:(i + 1) * row])
    out.write(struct.pack("!h", -1))


if __name__ == "__main__":
    main()
