"""The allocator settings have their effect: a block above glibc's largest mmap threshold stays in the heap.

Run in a fresh interpreter, because the settings are process-wide and the test session may have applied
them already (the command line does on every call).
"""

import ctypes
import ctypes.util
import subprocess
import sys

import pytest

from jointformer import allocator

BLOCK_BYTES = 40 << 20  # above glibc's largest automatic mmap threshold (32 MiB on 64-bit)

# mallinfo2().hblkhd is the number of bytes in mmapped chunks; its growth over one malloc says whether that
# block was mapped from the kernel (growth >= the block) or carved from the heap (no growth).
PROBE = """
import ctypes
import importlib.util
import sys

# The module alone, loaded from its file: importing the package would pull in torch for nothing.
spec = importlib.util.spec_from_file_location("allocator", sys.argv[1])
allocator = importlib.util.module_from_spec(spec)
spec.loader.exec_module(allocator)


class MallocInfo(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallocInfo
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]


def mapped_growth():
    before = libc.mallinfo2().hblkhd
    pointer = libc.malloc(int(sys.argv[2]))
    grown = libc.mallinfo2().hblkhd - before
    libc.free(pointer)
    return grown


default = mapped_growth()
accepted = allocator.keep_large_blocks_in_heap()
print(default, accepted, mapped_growth())
"""


def _has_mallinfo2() -> bool:
    try:
        return hasattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), "mallinfo2")
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _has_mallinfo2(),
                    reason="needs glibc >= 2.33 (mallopt, mallinfo2)")
def test_large_blocks_come_from_the_heap_once_the_settings_are_applied():
    completed = subprocess.run([sys.executable, "-c", PROBE, allocator.__file__, str(BLOCK_BYTES)],
                               capture_output=True, text=True, check=True)
    default_growth, accepted, tuned_growth = completed.stdout.split()
    assert int(default_growth) >= BLOCK_BYTES  # glibc's default: mapped fresh from the kernel
    assert accepted == "True"
    assert int(tuned_growth) == 0  # served from the heap, where a freed block is reused
