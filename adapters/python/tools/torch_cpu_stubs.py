"""Make PyPI's CUDA build of torch importable on a machine without the NVIDIA wheels, for CPU-only use.

PyPI's Linux torch wheel is a CUDA build: `pip install torch` also pulls ~3 GB of nvidia-* wheels and triton (5.3 GB
installed). On a CPU-only test machine none of that code ever runs, but libtorch links against it. This tool
writes tiny stub libraries (right SONAME, right symbol versions, every function returning 0) for the CUDA libraries
that cannot be found, next to libtorch (``torch/lib``, last in libtorch's RPATH, so any real library still wins).
Install torch with ``--no-deps`` plus the two small real ones libtorch_cpu needs (nvidia-cuda-runtime,
nvidia-cuda-cupti), then run this. ``torch.cuda.is_available()`` stays False. Needs readelf and a C compiler.
Never stubs the driver (libcuda.so.1).

Usage: python torch_cpu_stubs.py [--remove]   (with the python of the environment that has torch)
"""

from __future__ import annotations

import collections
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Sonames libtorch may need that we are willing to stub (CUDA math/comm libraries, never the driver).
STUBBABLE = re.compile(r"^lib(cublas|cublasLt|cudnn|cufft|cufile|cusparse|cusparseLt|cusolver|nccl|nvrtc|nvshmem_host|"
                       r"nvJitLink|curand|nvToolsExt)\.so(\.\d+)*$")
# Unversioned imports resolved by name prefix (these libraries export no version nodes).
PREFIXES = {"cusparseLt": "libcusparseLt", "nccl": "libnccl", "cuFile": "libcufile", "nvshmem": "libnvshmem_host",
            "curand": "libcurand"}
MARKER = ".rtlgym-cpu-stubs"


def torch_lib_dir() -> Path:
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("torch is not installed in this environment")
    return Path(list(spec.submodule_search_locations)[0]) / "lib"


def readelf(*args: str) -> str:
    return subprocess.run(["readelf", "-W", *args], capture_output=True, text=True, check=True).stdout


def resolvable(soname: str, lib_dir: Path, rpath_dirs: list[Path]) -> bool:
    if any((d / soname).exists() for d in [lib_dir, *rpath_dirs]):
        return True
    ld = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout if shutil.which("ldconfig") else ""
    return f"{soname} " in ld or any((Path(p) / soname).exists() for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p)


def main() -> int:
    lib_dir = torch_lib_dir()
    libs = [p for p in lib_dir.glob("*.so*") if p.is_file()]
    needed: set[str] = set()
    rpath_dirs: set[Path] = set()
    versioned: dict[str, set[tuple[str, str, str]]] = collections.defaultdict(set)
    defined: set[str] = set()
    unversioned: set[tuple[str, str]] = set()
    for so in libs:
        dyn = readelf("-d", str(so))
        needed.update(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn))
        for rp in re.findall(r"R(?:UN)?PATH\)\s+Library r(?:un)?path: \[([^\]]+)\]", dyn):
            rpath_dirs.update((so.parent / p.replace("$ORIGIN", ".")).resolve() for p in rp.split(":"))
        ver = readelf("-V", str(so)).split(".gnu.version_r")[-1]
        vfile: dict[str, str] = {}
        cur = None
        for line in ver.splitlines():
            m = re.search(r"File: (\S+)", line)
            if m:
                cur = m.group(1)
                continue
            m = re.search(r"Name: (\S+)\s+Flags", line)
            if m and cur:
                vfile[m.group(1)] = cur
        for line in readelf("--dyn-syms", str(so)).splitlines():
            f = line.split()
            if len(f) < 8 or not f[0].endswith(":"):
                continue
            name, typ, ndx = f[7], f[3], f[6]
            if ndx != "UND":
                defined.add(name.split("@")[0])
            elif "@" in name:
                sym, v = name.split("@", 1)
                v = v.split()[0]
                if v in vfile:
                    versioned[vfile[v]].add((sym, v, typ))
            else:
                unversioned.add((name, typ))

    missing = sorted(s for s in needed if STUBBABLE.match(s) and not resolvable(s, lib_dir, sorted(rpath_dirs)))
    if not missing:
        print("torch_cpu_stubs: every CUDA library libtorch needs is present; nothing to do")
        return 0
    by_base = {re.sub(r"\.so.*$", "", s): s for s in missing}
    symbols: dict[str, set[tuple[str, str | None, str]]] = {s: set(versioned.get(s, set())) for s in missing}
    for name, typ in unversioned:
        if name in defined:
            continue
        for prefix, base in PREFIXES.items():
            if name.startswith(prefix) and base in by_base:
                symbols[by_base[base]].add((name, None, typ))

    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        sys.exit("torch_cpu_stubs: no C compiler (cc/gcc/clang) to build the stubs")
    with tempfile.TemporaryDirectory() as tmp:
        for soname in missing:
            syms = symbols[soname]
            src = Path(tmp) / f"{soname}.c"
            src.write_text(
                "\n".join(
                    f"char {n}[256];" if t in ("OBJECT", "TLS") else f"int {n}(void) {{ return 0; }}"
                    for n, _, t in sorted(syms)
                )
                + "\nint rtlgym_cpu_stub_marker(void) { return 0; }\n"
            )
            nodes = sorted({v for _, v, _ in syms if v})
            args = [cc, "-shared", "-fPIC", "-O0", "-o", str(lib_dir / soname), str(src), f"-Wl,-soname,{soname}"]
            if nodes:
                vs = Path(tmp) / f"{soname}.map"
                vs.write_text(
                    "\n".join(f"{v} {{ global: {'; '.join(n for n, vv, _ in syms if vv == v)}; }};" for v in nodes) + "\n"
                )
                args.append(f"-Wl,--version-script={vs}")
            subprocess.run(args, check=True)
            print(f"torch_cpu_stubs: {soname}: stub with {len(syms)} symbol(s)")
    (lib_dir / MARKER).write_text("\n".join(missing) + "\n")
    return 0


def remove() -> int:
    lib_dir = torch_lib_dir()
    marker = lib_dir / MARKER
    if marker.exists():
        for soname in marker.read_text().split():
            (lib_dir / soname).unlink(missing_ok=True)
        marker.unlink()
    return 0


if __name__ == "__main__":
    if "--remove" in sys.argv:
        sys.exit(remove())
    sys.exit(main())
