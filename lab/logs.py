"""Per-example loss written in the formats training runs already log to,
so `antidote monitor` can be tried on each: TensorBoard event files (the
TFRecord framing and Event protobuf, written here byte by byte: Debian has
no tensorboard package), an MLflow file-store run (mlruns/EXP/RUN/metrics/KEY:
"timestamp value step" lines), and a CSV as a W&B table export has it.

Each example's loss is a scalar keyed by its document: `example_loss/<id>`
in TensorBoard and MLflow, a row (step, id, loss) in the CSV.
"""
import csv
import os
import struct
import time
import uuid

KEY = "example_loss"


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number, wire, payload):
    key = _varint(number << 3 | wire)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    return key + payload


def event(step, wall_time, scalars=None, file_version=None):
    """An Event protobuf: wall_time (1, double), step (2, int64), file_version (3) or
    summary (5) of values (1) with tag (1) and simple_value (2, float)."""
    out = _field(1, 1, struct.pack("<d", wall_time)) + _field(2, 0, _varint(step))
    if file_version:
        out += _field(3, 2, file_version.encode())
    if scalars:
        values = b"".join(_field(1, 2, _field(1, 2, tag.encode()) + _field(2, 5, struct.pack("<f", v))) for tag, v in scalars)
        out += _field(5, 2, values)
    return out


class TensorBoardLog:
    def __init__(self, folder):
        os.makedirs(folder, exist_ok=True)
        self.f = open(os.path.join(folder, f"events.out.tfevents.{int(time.time())}.antidote-lab"), "wb")
        self.write(event(0, time.time(), file_version="brain.Event:2"))

    def write(self, data):
        header = struct.pack("<Q", len(data))
        self.f.write(header + struct.pack("<I", masked_crc(header)) + data + struct.pack("<I", masked_crc(data)))

    def log(self, step, examples, batch_loss):
        self.write(event(step, time.time(), [(f"{KEY}/{i}", v) for i, v in examples] + [("loss", batch_loss)]))

    def close(self):
        self.f.close()


class MlflowLog:
    """One run of the MLflow file store: mlruns/0/RUN/{meta.yaml, metrics/KEY}."""

    def __init__(self, root):
        self.run = uuid.uuid4().hex
        self.dir = os.path.join(root, "0", self.run)
        os.makedirs(os.path.join(self.dir, "metrics", KEY), exist_ok=True)
        with open(os.path.join(root, "0", "meta.yaml"), "w") as f:
            f.write(f"artifact_location: file://{os.path.abspath(root)}/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n")
        with open(os.path.join(self.dir, "meta.yaml"), "w") as f:
            f.write(f"run_id: {self.run}\nexperiment_id: '0'\nlifecycle_stage: active\nstatus: 3\nstart_time: {int(time.time() * 1000)}\n")
        self.files = {}

    def _append(self, key, step, value):
        f = self.files.get(key)
        if f is None:
            f = self.files[key] = open(os.path.join(self.dir, "metrics", key), "a")
        f.write(f"{int(time.time() * 1000)} {value} {step}\n")

    def log(self, step, examples, batch_loss):
        for i, v in examples:
            self._append(f"{KEY}/{i}", step, v)
        self._append("loss", step, batch_loss)

    def close(self):
        for f in self.files.values():
            f.close()


class CsvLog:
    """Rows (step, id, loss), as a W&B table of per-example losses exports."""

    def __init__(self, path):
        self.f = open(path, "w", newline="")
        self.w = csv.writer(self.f)
        self.w.writerow(["step", "id", "loss"])

    def log(self, step, examples, batch_loss):
        for i, v in examples:
            self.w.writerow([step, i, v])

    def close(self):
        self.f.close()
