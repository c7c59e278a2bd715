"""A small GGUF (version 3) reader and writer: metadata, then F32 / F16 / Q8_0 tensors.

numpy shapes are row-major; GGUF lists dimensions innermost first, so each
tensor's dimensions are written reversed, as llama.cpp's converters do.
"""
import struct

import numpy as np

ALIGNMENT = 32
GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8
Q8_BLOCK = 32
T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY = 4, 5, 6, 7, 8, 9
# struct formats of the scalar value types, by GGUF type id
SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


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


def q8_0(array):
    """llama.cpp's Q8_0: blocks of 32 values along each row, an F16 scale and 32 int8."""
    blocks = np.asarray(array, dtype=np.float32).reshape(-1, Q8_BLOCK)
    scale = np.abs(blocks).max(axis=1) / 127.0
    quantised = np.round(blocks / np.where(scale == 0, 1, scale)[:, None]).astype(np.int8)
    out = np.zeros(len(blocks), dtype=[("d", "<f2"), ("qs", "i1", Q8_BLOCK)])
    out["d"], out["qs"] = scale.astype(np.float16), quantised
    return out.tobytes()


def _encode(array, matrix_type):
    if array.ndim == 1:
        return GGML_F32, np.ascontiguousarray(array, dtype=np.float32).tobytes()
    if matrix_type == GGML_Q8_0:
        return GGML_Q8_0, q8_0(array)
    return GGML_F16, np.ascontiguousarray(array, dtype=np.float16).tobytes()


def write(path, metadata, tensors, matrix_type=GGML_F16):
    """metadata: [(key, type, value)], an array as (key, (T_ARRAY, element type), list).
    tensors: [(name, numpy array)]; 1-D tensors are written F32, the rest F16 (or Q8_0)."""
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
        ggml_type, data = _encode(array, matrix_type)
        header += _string(name) + struct.pack("<I", array.ndim)
        header += b"".join(struct.pack("<Q", d) for d in reversed(array.shape))
        header += struct.pack("<IQ", ggml_type, offset)
        blobs.append(data)
        offset += len(data) + _pad(len(data))
    with open(path, "wb") as f:
        f.write(header + b"\0" * _pad(len(header)))
        for data in blobs:
            f.write(data + b"\0" * _pad(len(data)))


class _Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.at)[0]
        self.at += struct.calcsize(fmt)
        return value

    def string(self):
        n = self.take("<Q")
        self.at += n
        return self.data[self.at - n: self.at].decode("utf-8")

    def value(self, kind):
        if kind == T_STRING:
            return self.string()
        if kind == T_ARRAY:
            element, n = self.take("<I"), self.take("<Q")
            return [self.value(element) for _ in range(n)]
        return self.take(SCALARS[kind])


def read(path):
    """(metadata dict, {name: numpy float32 array in numpy's row-major shape}) of an F32/F16 GGUF file."""
    with open(path, "rb") as f:
        r = _Reader(f.read())
    if r.data[:4] != b"GGUF":
        raise ValueError(f"{path}: not a GGUF file")
    r.at = 4
    version, n_tensors, n_kv = r.take("<I"), r.take("<Q"), r.take("<Q")
    if version != 3:
        raise ValueError(f"{path}: GGUF version {version}, expected 3")
    metadata = {}
    for _ in range(n_kv):
        key = r.string()
        metadata[key] = r.value(r.take("<I"))
    infos = []
    for _ in range(n_tensors):
        name, ndim = r.string(), r.take("<I")
        dims = [r.take("<Q") for _ in range(ndim)]
        infos.append((name, tuple(reversed(dims)), r.take("<I"), r.take("<Q")))
    alignment = metadata.get("general.alignment", ALIGNMENT)
    start = r.at + (alignment - r.at % alignment) % alignment
    tensors = {}
    for name, shape, kind, offset in infos:
        if kind not in (GGML_F32, GGML_F16):
            raise ValueError(f"{path}: tensor {name} has GGML type {kind}; this reader takes F32 and F16")
        dtype = np.float32 if kind == GGML_F32 else np.float16
        count = int(np.prod(shape))
        tensors[name] = np.frombuffer(r.data, dtype=dtype, count=count, offset=start + offset).astype(np.float32).reshape(shape)
    return metadata, tensors
