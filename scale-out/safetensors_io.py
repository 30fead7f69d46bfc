"""Read and write safetensors files with torch alone (struct + json), the format of
@contrastive/core's parseSafetensors / serializeSafetensors: an 8-byte little-endian header
length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the
little-endian data. Used where the `safetensors` package is not installed; files are identical in form."""
import json
import os
import struct

import torch

_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64, "F64": torch.float64, "I32": torch.int32}
_NAMES = {dtype: name for name, dtype in _DTYPES.items()}


def save_file(tensors, path, metadata=None):
    """Writes {name: tensor} to `path` atomically (temporary file, then rename)."""
    header = {"__metadata__": dict(metadata)} if metadata else {}
    blobs, offset = [], 0
    for name, tensor in tensors.items():
        tensor = tensor.detach().cpu().contiguous()
        if tensor.dtype not in _NAMES:
            raise ValueError(f"save_file: tensor {name!r} has dtype {tensor.dtype}; convert it with .float()")
        raw = tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() > 0 else b""
        header[name] = {"dtype": _NAMES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)))
        handle.write(text)
        for raw in blobs:
            handle.write(raw)
    os.replace(temporary, path)


def load_file(path):
    """Returns ({name: tensor}, metadata) from a safetensors file."""
    with open(path, "rb") as handle:
        data = handle.read()
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        raise ValueError(f"load_file: {path}: header length {length} beyond the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {}) or {}
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = _DTYPES[entry["dtype"]]
        raw = bytearray(data[start + begin:start + end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, metadata
