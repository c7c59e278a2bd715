"""A small GGUF (version 3) writer: metadata, then F32 / F16 tensors.

numpy shapes are row-major; GGUF lists dimensions innermost first, so each
tensor's dimensions are written reversed, as llama.cpp's converters do.
"""
import struct

import numpy as np

ALIGNMENT = 32
GGML_F32, GGML_F16 = 0, 1
T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY = 4, 5, 6, 7, 8, 9


def _string(s):
    data = s.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _value(kind, value):
    if kind == T_UINT32:
        return struct.pack("<I", value)
    if kind == T_INT32:
        return struct.pack("<i", value)
    if kind == T_FLOAT32:
        return struct.pack("<f", value)
    if kind == T_BOOL:
        return struct.pack("<?", value)
    if kind == T_STRING:
        return _string(value)
    raise ValueError(f"unsupported GGUF value type {kind}")


def _pad(n):
    return (ALIGNMENT - n % ALIGNMENT) % ALIGNMENT


def write(path, metadata, tensors):
    """metadata: [(key, type, value)], an array as (key, (T_ARRAY, element type), list).
    tensors: [(name, numpy array)]; 1-D tensors are written F32, the rest F16."""
    header = bytearray(b"GGUF")
    header += struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, kind, value in metadata:
        header += _string(key)
        if isinstance(kind, tuple):
            header += struct.pack("<IIQ", T_ARRAY, kind[1], len(value))
            for item in value:
                header += _value(kind[1], item)
        else:
            header += struct.pack("<I", kind) + _value(kind, value)
    blobs = []
    offset = 0
    for name, array in tensors:
        ggml_type = GGML_F32 if array.ndim == 1 else GGML_F16
        data = np.ascontiguousarray(array, dtype=np.float32 if ggml_type == GGML_F32 else np.float16).tobytes()
        header += _string(name) + struct.pack("<I", array.ndim)
        header += b"".join(struct.pack("<Q", d) for d in reversed(array.shape))
        header += struct.pack("<IQ", ggml_type, offset)
        blobs.append(data)
        offset += len(data) + _pad(len(data))
    with open(path, "wb") as f:
        f.write(header + b"\0" * _pad(len(header)))
        for data in blobs:
            f.write(data + b"\0" * _pad(len(data)))
