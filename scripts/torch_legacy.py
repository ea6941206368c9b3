"""Reads a legacy (non-zip) PyTorch checkpoint without torch: a restricted unpickler that
accepts only an OrderedDict of float tensors, and numpy for the storages.

The legacy format is five pickles and raw storages, in order: a magic number, the
protocol version, system info, the object (tensors refer to storages by key), the list
of storage keys; then each storage as a little-endian int64 element count followed by
its raw bytes.
"""
import collections
import io
import pickle

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32}


class _StorageRef:
    def __init__(self, dtype, key, size):
        self.dtype, self.key, self.size = dtype, key, size


class _TensorRef:
    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    return _TensorRef(storage, offset, size, stride)


class _StorageType:
    def __init__(self, name):
        self.name = name


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) in (("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor")):
            return _rebuild_tensor_v2
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not a plain tensor checkpoint")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, size = pid[:5]
        if kind != "storage" or not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        return _StorageRef(_DTYPES[storage_type.name], key, size)


def load(path):
    """Returns an OrderedDict name → numpy array."""
    with open(path, "rb") as f:
        data = f.read()
    stream = io.BytesIO(data)
    if pickle.load(stream) != LEGACY_MAGIC:
        raise ValueError(f"{path}: not a legacy PyTorch checkpoint (bad magic number)")
    pickle.load(stream)  # protocol version
    pickle.load(stream)  # system info
    state = _Unpickler(stream).load()
    keys = pickle.load(stream)
    storages = {}
    for key in keys:
        count = int(np.frombuffer(stream.read(8), dtype="<i8")[0])
        refs = [t for t in state.values() if isinstance(t, _TensorRef) and t.storage.key == key]
        dtype = refs[0].storage.dtype if refs else np.float32
        raw = stream.read(count * np.dtype(dtype).itemsize)
        if len(raw) != count * np.dtype(dtype).itemsize:
            raise ValueError(f"{path}: truncated storage {key}")
        storages[key] = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
    tensors = collections.OrderedDict()
    for name, ref in state.items():
        if not isinstance(ref, _TensorRef):
            continue
        storage = storages[ref.storage.key]
        itemsize = storage.itemsize
        view = np.lib.stride_tricks.as_strided(storage[ref.offset:], shape=ref.shape,
                                               strides=[s * itemsize for s in ref.stride])
        tensors[name] = np.array(view, dtype=np.float32)
    return tensors
