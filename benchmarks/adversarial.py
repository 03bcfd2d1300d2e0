"""Adversarial cases of issue 13, run against a source tree and classified.

    PYTHONPATH=<tree>/src python benchmarks/adversarial.py [--only NAME ...] [--keep DIR]

Each case drives the ``jointformer`` command line (``python -m jointformer.cli``) as a user would, in a
fresh temporary directory, on a tiny embedded data set and a tiny model trained for one epoch, and
classifies what happened:

- ``ok``: the right result (for cases where succeeding is right, e.g. a resume without flags);
- ``clean error``: a non-zero exit with a message and no traceback, inputs and other files untouched;
- ``traceback``: a Python traceback on standard error;
- ``silent wrong result``: exit 0 (or an error) but the result is wrong (NaN written, a bad value accepted,
  a schedule restarted, litter left);
- ``data loss``: an input, a checkpoint or another run's file was overwritten or lost.

Only the command line and the packages' oldest public functions are used, so the same script runs on an
older tree (put it first on PYTHONPATH). Prints one line per case and a table of counts; the cases are a
smaller stand-in for the issue's 232, one or more per numbered item.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

OUTCOMES = ("ok", "clean error", "traceback", "silent wrong result", "data loss")
TINY_ARCHITECTURE = ["--hid_dim", "16", "--num_layers", "2", "--d_inner", "32"]
TRAIN = ["--epochs", "2", "-b", "256", "--downsample", "4", "--device", "cpu", "--progress", "none"]
CASES: list[tuple[str, str, Callable[[Context], str]]] = []


def case(name: str, item: str) -> Callable:
    def register(function: Callable[[Context], str]) -> Callable[[Context], str]:
        CASES.append((name, item, function))
        return function
    return register


class Context:
    """A case's working directory, with the shared tiny data set and half-trained run copied on demand."""

    def __init__(self, root: Path, shared: Path) -> None:
        self.root, self.shared = root, shared
        self.data = shared / "data"

    def run(self, *arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "jointformer.cli", *arguments], cwd=self.root,
                              capture_output=True, **TEXT, timeout=timeout, env=environment())

    def train(self, *arguments: str) -> subprocess.CompletedProcess:
        return self.run("train", "--data-dir", str(self.data), *arguments)

    def resume(self, run: Path, *arguments: str) -> subprocess.CompletedProcess:
        return self.train("--resume", str(run / "ckpt_last.pth.tar"), *arguments)

    def popen(self, *arguments: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "jointformer.cli", *arguments], cwd=self.root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **TEXT, env=environment())

    def half_run(self) -> Path:
        """A copy of a run of 2 planned epochs stopped after the first (architecture TINY_ARCHITECTURE)."""
        return Path(shutil.copytree(self.shared / "half_run", self.root / "run"))

    def data_copy(self) -> Path:
        return Path(shutil.copytree(self.data, self.root / "data"))


TEXT = {"text": True, "errors": "replace"}  # a non-UTF-8 file name in a message must not break the harness


def environment() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"


def failure(process: subprocess.CompletedProcess) -> str | None:
    """'traceback' or 'clean error' for a failed command; None when it exited 0 without a traceback."""
    if "Traceback" in process.stderr:
        return "traceback"
    return "clean error" if process.returncode != 0 else None


def coco_file(path: Path, scale: float = 1.0) -> Path:
    rng = np.random.default_rng(0)
    entries = [{"image_id": image, "keypoints": [float(v) for point in rng.uniform(100, 400, (17, 2)) * scale
                                                 for v in (*point, 0.9)]} for image in (1, 2)]
    path.write_text(json.dumps(entries))
    return path


def edit_checkpoint(path: Path, edit: Callable[[dict], None]) -> None:
    checkpoint = torch.load(path, weights_only=False)
    edit(checkpoint)
    torch.save(checkpoint, path)


def rewrite_data(path: Path, edit: Callable[[dict], None]) -> None:
    with np.load(path, allow_pickle=True) as archive:
        contents = {key: archive[key] for key in archive.files}
    key = "positions_3d" if "positions_3d" in contents else "positions_2d"
    table = contents[key].item()
    edit(table)
    contents[key] = np.array(table, dtype=object)
    np.savez(path, **contents)


# --------------------------------------------------------------------------------------------- item 1
# Both processes see the same wall-clock second (as two runs started together do): the clock of the modules
# that name run directories is frozen at one instant.
FROZEN_CLOCK = """
import sys, datetime, importlib
class Frozen(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls(2026, 1, 1, 12, 0, 0)
for name in ("jointformer.training", "jointformer.demo", "jointformer.run_directory"):
    try:
        module = importlib.import_module(name)
    except ImportError:
        continue
    if hasattr(module, "datetime"):
        module.datetime = Frozen
from jointformer.cli import main
sys.exit(main(sys.argv[1:]))
"""


@case("two trains, one directory, same second", "1")
def two_trains(context: Context) -> str:
    parent = context.root / "checkpoint"
    arguments = ["--data-dir", str(context.data), "-c", str(parent), *TINY_ARCHITECTURE, *TRAIN]
    processes = [subprocess.Popen([sys.executable, "-c", FROZEN_CLOCK, "train", "--seed", str(seed),
                                   *arguments],
                                  cwd=context.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **TEXT,
                                  env=environment()) for seed in (1, 2)]
    results = [process.communicate(timeout=600) for process in processes]
    directories = [path for path in parent.iterdir() if path.is_dir()] if parent.exists() else []
    seeds = sorted(json.loads((path / "config.json").read_text())["train"]["seed"] for path in directories)
    if seeds == [1, 2]:
        return "ok"
    if any("Traceback" in stderr for _, stderr in results):
        return "traceback"
    if all(process.returncode == 0 for process in processes):
        return "data loss"  # both report success, one directory holds a mixture of the two runs
    return "clean error"


# The demo's first step, with a seed other than the data set's and a 2D file it lacks; the package's error is
# printed as the command line prints it (without a traceback).
DEMO_DATA_OTHER_SEED = """
import sys
from jointformer.demo import ensure_dataset
from jointformer.errors import JointformerError
try:
    ensure_dataset(sys.argv[1], "other_detector", 1)
except JointformerError as error:
    sys.exit(f"error: {error}")
"""


@case("demo data set of seed 0 rewritten by another seed", "1")
def demo_data_overwrite(context: Context) -> str:
    data = context.data_copy()
    before = digest(data / "data_3d_h36m.npz")
    process = subprocess.run([sys.executable, "-c", DEMO_DATA_OTHER_SEED, str(data)],
                             capture_output=True, **TEXT, env=environment())
    if digest(data / "data_3d_h36m.npz") != before:
        return "data loss"
    return failure(process) or "ok"


# --------------------------------------------------------------------------------------------- item 2
def lift_case(context: Context, flag: str, target: str) -> str:
    run = context.half_run()
    checkpoint = run / "ckpt_best.pth.tar"
    keypoints = coco_file(context.root / "same.json")
    paths = {"same.json": keypoints, "ckpt": checkpoint}
    victim = paths[target]
    before = digest(victim)
    extra = [] if flag == "--out" else ["--out", str(context.root / "lifted.json")]
    process = context.run("lift", str(keypoints), "--checkpoint", str(checkpoint), "--device", "cpu", flag,
                          str(victim), *extra)
    if digest(victim) != before:
        return "data loss"
    return failure(process) or "silent wrong result"


@case("lift same.json --out same.json", "2")
def lift_out_input(context: Context) -> str:
    return lift_case(context, "--out", "same.json")


@case("lift --html <the input>", "2")
def lift_html_input(context: Context) -> str:
    return lift_case(context, "--html", "same.json")


@case("lift --gif <the checkpoint>", "2")
def lift_gif_checkpoint(context: Context) -> str:
    return lift_case(context, "--gif", "ckpt")


# --------------------------------------------------------------------------------------------- item 3
def evaluate(context: Context, checkpoint: Path, *extra: str) -> subprocess.CompletedProcess:
    return context.run("evaluate", str(checkpoint), "--data-dir", str(context.data), "--downsample", "8",
                       "--device", "cpu", "--results", str(context.root / "results.json"), *extra)


@case("results.csv through a symlink", "3")
def results_csv_symlink(context: Context) -> str:
    run = context.half_run()
    target = context.root / "shared" / "results.csv"
    target.parent.mkdir()
    first = evaluate(context, run / "ckpt_best.pth.tar", "--results-csv", str(target))
    link = context.root / "results.csv"
    link.symlink_to(target)
    second = evaluate(context, run / "ckpt_best.pth.tar", "--results-csv", str(link))
    problem = failure(first) or failure(second)
    if problem:
        return problem
    if not link.is_symlink() or len(target.read_text().splitlines()) != 5:
        return "data loss"
    return "ok"


@case("results.csv keeps its mode", "3")
def results_csv_mode(context: Context) -> str:
    run = context.half_run()
    csv_path = context.root / "results.csv"
    first = evaluate(context, run / "ckpt_best.pth.tar", "--results-csv", str(csv_path))
    if failure(first):
        return failure(first)
    os.chmod(csv_path, 0o640)
    second = evaluate(context, run / "ckpt_best.pth.tar", "--results-csv", str(csv_path))
    return failure(second) or ("ok" if stat.S_IMODE(csv_path.stat().st_mode) == 0o640
                               else "silent wrong result")


@case("results.json mode under umask 022", "3")
def results_mode(context: Context) -> str:
    run = context.half_run()
    process = evaluate(context, run / "ckpt_best.pth.tar")
    mode = stat.S_IMODE((context.root / "results.json").stat().st_mode) if not failure(process) else None
    return failure(process) or ("ok" if mode == 0o644 else "silent wrong result")


# --------------------------------------------------------------------------------------------- item 4
def blocked(context: Context) -> Path:
    """A path whose parent is a regular file: no user, root included, can write there."""
    (context.root / "a_file").write_text("x")
    return context.root / "a_file" / "below"


def expect_clean(process: subprocess.CompletedProcess) -> str:
    kind = failure(process)
    if kind is None:
        return "silent wrong result"
    if kind == "clean error" and ".tmp" in process.stderr:
        return "silent wrong result"  # the message names the hidden temporary, not the user's path
    return kind


@case("evaluate --results into an unwritable place", "4")
def evaluate_unwritable(context: Context) -> str:
    run = context.half_run()
    return expect_clean(evaluate(context, run / "ckpt_best.pth.tar", "--results",
                                 str(blocked(context) / "results.json")))


@case("lift --out into an unwritable place", "4")
def lift_unwritable(context: Context) -> str:
    run = context.half_run()
    keypoints = coco_file(context.root / "k.json")
    return expect_clean(context.run("lift", str(keypoints), "--checkpoint", str(run / "ckpt_best.pth.tar"),
                                    "--device", "cpu", "--out", str(blocked(context) / "o.json")))


@case("lift --out <a directory>", "4")
def lift_directory(context: Context) -> str:
    run = context.half_run()
    keypoints = coco_file(context.root / "k.json")
    (context.root / "o.json").mkdir()
    return expect_clean(context.run("lift", str(keypoints), "--checkpoint", str(run / "ckpt_best.pth.tar"),
                                    "--device", "cpu", "--out", str(context.root / "o.json")))


@case("synth into an unwritable place", "4")
def synth_unwritable(context: Context) -> str:
    return expect_clean(context.run("synth", str(blocked(context))))


@case("train -c into an unwritable place", "4")
def train_unwritable(context: Context) -> str:
    return expect_clean(context.train("-c", str(blocked(context)),
                                    *TINY_ARCHITECTURE, *TRAIN))


@case("demo --out into an unwritable place", "4")
def demo_unwritable(context: Context) -> str:
    return expect_clean(context.run("demo", "--data-dir", str(context.data), "--out", str(blocked(context)),
                                    "--device", "cpu", timeout=900))


@case("evaluate a checkpoint in a non-UTF-8 directory", "4")
def evaluate_non_utf8(context: Context) -> str:
    run = context.half_run()
    directory = Path(os.fsdecode(bytes(context.root) + b"/r\xff"))
    shutil.copytree(run, directory)
    process = context.run("evaluate", str(directory / "ckpt_best.pth.tar"), "--data-dir", str(context.data),
                          "--downsample", "8", "--device", "cpu", "--results", str(context.root / "r.json"),
                          "--results-csv", str(context.root / "r.csv"))
    return failure(process) or "ok"


# --------------------------------------------------------------------------------------------- item 5
@case("resume without the architecture flags", "5")
def resume_without_flags(context: Context) -> str:
    run = context.half_run()
    process = context.resume(run, *TRAIN)
    return failure(process) or "ok"


@case("resume with a contradicting --hid_dim", "5")
def resume_contradicting(context: Context) -> str:
    run = context.half_run()
    process = context.resume(run, "--hid_dim", "32", "--num_layers", "2", "--d_inner", "32", *TRAIN)
    kind = failure(process)
    if kind == "clean error" and "32" in process.stderr and "16" in process.stderr:
        return "clean error"
    return kind or "silent wrong result"


# --------------------------------------------------------------------------------------------- item 6
def bad_flag(context: Context, *arguments: str) -> str:
    process = context.run(*arguments)
    return failure(process) or "silent wrong result"


@case("train --actions Bogus", "6")
def flag_actions(context: Context) -> str:
    return bad_flag(context, "train", "--data-dir", str(context.data), "--actions", "Bogus", *TRAIN)


@case("train --keypoints ../gt", "6")
def flag_keypoints(context: Context) -> str:
    return bad_flag(context, "train", "--data-dir", str(context.data / "sub"), "--keypoints", "../gt",
                    "-c", str(context.root / "c"), *TINY_ARCHITECTURE, *TRAIN)


@case("train --device foo", "6")
def flag_device(context: Context) -> str:
    return bad_flag(context, "train", "--data-dir", str(context.data), "--device", "foo")


@case("train --lr nan", "6")
def flag_lr(context: Context) -> str:
    return bad_flag(context, "train", "--data-dir", str(context.data), "--lr", "nan", "-c",
                    str(context.root / "c"), *TINY_ARCHITECTURE, *TRAIN)


@case("lift --image-size 0 0", "6")
def flag_image_size(context: Context) -> str:
    run = context.half_run()
    keypoints = coco_file(context.root / "k.json")
    return bad_flag(context, "lift", str(keypoints), "--checkpoint", str(run / "ckpt_best.pth.tar"),
                    "--device", "cpu", "--out", str(context.root / "o.json"), "--image-size", "0", "0")


@case("export --opset 99", "6")
def flag_opset(context: Context) -> str:
    run = context.half_run()
    process = context.run("export", str(run / "ckpt_best.pth.tar"), "--onnx", str(context.root / "m.onnx"),
                          "--opset", "99")
    if "Traceback" in process.stderr:
        return "traceback"
    return "clean error" if process.returncode != 0 else "silent wrong result"


# --------------------------------------------------------------------------------------------- item 7
def resume_edited(context: Context, edit: Callable[[dict], None]) -> str:
    run = context.half_run()
    edit_checkpoint(run / "ckpt_last.pth.tar", edit)
    process = context.resume(run, *TINY_ARCHITECTURE, *TRAIN)
    return failure(process) or "silent wrong result"


@case("resume: rng state of the wrong type", "7")
def edited_rng(context: Context) -> str:
    return resume_edited(context, lambda checkpoint: checkpoint["rng"].update(flip=torch.zeros(3)))


@case("resume: optimizer is not a state dict", "7")
def edited_optimizer(context: Context) -> str:
    return resume_edited(context, lambda checkpoint: checkpoint.update(optimizer={"lr": 1}))


@case("resume: history is a string", "7")
def edited_history(context: Context) -> str:
    return resume_edited(context, lambda checkpoint: checkpoint.update(history="lost"))


@case("resume: negative epoch", "7")
def edited_epoch(context: Context) -> str:
    return resume_edited(context, lambda checkpoint: checkpoint.update(epoch=-1))


@case("lift: input_stats without mean_pose_2d", "7")
def edited_input_stats(context: Context) -> str:
    run = context.half_run()
    edit_checkpoint(run / "ckpt_best.pth.tar",
                    lambda checkpoint: checkpoint["input_stats"].pop("mean_pose_2d"))
    keypoints = coco_file(context.root / "k.json")
    process = context.run("lift", str(keypoints), "--checkpoint", str(run / "ckpt_best.pth.tar"), "--device",
                          "cpu", "--out", str(context.root / "o.json"))
    return failure(process) or "silent wrong result"


# --------------------------------------------------------------------------------------------- item 8
@case("train --lr 1e4 (diverges)", "8")
def diverging(context: Context) -> str:
    process = context.train("-c", str(context.root / "c"), "--lr", "1e4", *TINY_ARCHITECTURE, *TRAIN)
    if "Traceback" in process.stderr:
        return "traceback"
    if process.returncode != 0:
        return "clean error" if "diverged" in process.stderr else "silent wrong result"
    return "silent wrong result"


@case("train on 2D values beyond float32", "8")
def huge_2d(context: Context) -> str:
    data = context.data_copy()

    def huge(table: dict) -> None:
        view = table["S1"]["Walking 1"][2].astype(np.float64)
        view[5, 3, 0] = 1e300
        table["S1"]["Walking 1"][2] = view

    rewrite_data(data / "data_2d_h36m_gt.npz", huge)
    process = context.run("train", "--data-dir", str(data), "-c", str(context.root / "c"), *TINY_ARCHITECTURE,
                          *TRAIN)
    return failure(process) or "silent wrong result"


def nan_checkpoint(context: Context) -> Path:
    run = context.half_run()
    edit_checkpoint(run / "ckpt_best.pth.tar",
                    lambda checkpoint: next(iter(checkpoint["state_dict"].values())).fill_(float("nan")))
    return run / "ckpt_best.pth.tar"


def lifted_is_finite(path: Path) -> bool:
    text = path.read_text()
    return "NaN" not in text and "Infinity" not in text


@case("lift with a NaN-weight checkpoint", "8")
def lift_nan_weights(context: Context) -> str:
    checkpoint = nan_checkpoint(context)
    keypoints = coco_file(context.root / "k.json")
    out = context.root / "o.json"
    process = context.run("lift", str(keypoints), "--checkpoint", str(checkpoint), "--device", "cpu", "--out",
                          str(out))
    kind = failure(process)
    if kind:
        return kind
    return "ok" if lifted_is_finite(out) else "silent wrong result"


@case("export a NaN-weight checkpoint", "8")
def export_nan_weights(context: Context) -> str:
    checkpoint = nan_checkpoint(context)
    process = context.run("export", str(checkpoint), "--onnx", str(context.root / "m.onnx"))
    return failure(process) or "silent wrong result"


@case("lift keypoints beyond float32", "8")
def lift_huge(context: Context) -> str:
    run = context.half_run()
    keypoints = context.root / "k.npy"
    np.save(keypoints, np.random.default_rng(0).uniform(1e39, 1e40, (3, 17, 2)))
    out = context.root / "o.json"
    process = context.run("lift", str(keypoints), "--checkpoint", str(run / "ckpt_best.pth.tar"), "--layout",
                          "h36m", "--device", "cpu", "--out", str(out))
    kind = failure(process)
    if kind:
        return kind
    return "ok" if lifted_is_finite(out) else "silent wrong result"


# --------------------------------------------------------------------------------------------- item 9
@case("resume a 2-epoch run with --epochs 4", "9")
def resume_more_epochs(context: Context) -> str:
    run = context.half_run()
    process = context.resume(run, *TINY_ARCHITECTURE, *TRAIN, "--epochs", "4")
    kind = failure(process)
    if kind:
        return kind
    history = torch.load(run / "ckpt_last.pth.tar", weights_only=False)["history"]
    rates = [row["lr"] for row in history]
    return "ok" if all(later <= earlier for earlier, later in itertools.pairwise(rates)) \
        else "silent wrong result"


# --------------------------------------------------------------------------------------------- item 10
@case("train on 3D in millimetres", "10")
def millimetres(context: Context) -> str:
    data = context.data_copy()

    def scale(table: dict) -> None:
        for actions in table.values():
            for key in actions:
                actions[key] = actions[key] * 1000

    rewrite_data(data / "data_3d_h36m.npz", scale)
    process = context.run("train", "--data-dir", str(data), "-c", str(context.root / "c"), *TINY_ARCHITECTURE,
                          *TRAIN)
    return failure(process) or "silent wrong result"


# --------------------------------------------------------------------------------------------- item 11
@case("kill -9 mid-training leaves partial temporaries; resume", "11")
def stale_temporaries(context: Context) -> str:
    run = context.half_run()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              **TEXT)
    dead = int(finished.stdout)
    for name in (f".ckpt_last.pth.tar.{dead}-89abcdef.tmp", f".ckpt_last.pth.tar.{dead}.tmp",
                 f".ckpt_last.pth.tar.abc{dead}.tmp"):
        (run / name).write_bytes(b"partial")
    # what a killed write of today's code leaves: a .ckpt_* temporary, named by mkstemp or by the helper
    process = context.resume(run, *TINY_ARCHITECTURE, *TRAIN)
    kind = failure(process)
    if kind:
        return kind
    leftovers = [path.name for path in run.iterdir() if path.name.endswith(f"{dead}-89abcdef.tmp")]
    return "silent wrong result" if leftovers else "ok"


@case("kill -9 during training, then resume", "11")
def kill_and_resume(context: Context) -> str:
    parent = context.root / "c"
    process = context.popen("train", "--data-dir", str(context.data), "-c", str(parent), *TINY_ARCHITECTURE,
                            *TRAIN, "--epochs", "3")
    start = time.time()
    while process.poll() is None and time.time() - start < 300:
        if any((path / "ckpt_last.pth.tar").exists() for path in parent.glob("*")):
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    (run,) = list(parent.iterdir())
    resumed = context.resume(run, *TINY_ARCHITECTURE, *TRAIN, "--epochs", "3")
    kind = failure(resumed)
    if kind:
        return kind
    return "ok" if torch.load(run / "ckpt_last.pth.tar", weights_only=False)["epoch"] == 3 \
        else "silent wrong result"


# --------------------------------------------------------------------------------------------- driver
def prepare(shared: Path) -> None:
    """The tiny data set (written by the tree under test) and a half-trained tiny run."""
    subprocess.run([sys.executable, "-c", "import sys; from jointformer.data.synthetic import "
                    "SyntheticConfig, write_synthetic_dataset; write_synthetic_dataset(sys.argv[1], "
                    "SyntheticConfig(seed=3, trials=1, min_frames=24, max_frames=30, "
                    "actions=('Walking', 'Eating')))",
                    str(shared / "data")], check=True, env=environment())
    parent = shared / "runs"
    subprocess.run([sys.executable, "-m", "jointformer.cli", "train", "--data-dir", str(shared / "data"),
                    "-c", str(parent), *TINY_ARCHITECTURE, *TRAIN, "--stop-after-epoch", "1"], check=True,
                   capture_output=True, env=environment())
    (run,) = list(parent.iterdir())
    shutil.move(run, shared / "half_run")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="run only the cases whose names contain these words")
    parser.add_argument("--keep", type=Path, help="keep the working directories here")
    args = parser.parse_args()
    import jointformer

    print(f"tree under test: {Path(jointformer.__file__).parent}; umask 022")
    os.umask(0o022)
    base = Path(tempfile.mkdtemp(prefix="adversarial-")) if args.keep is None else args.keep
    base.mkdir(parents=True, exist_ok=True)
    shared = base / "shared"
    prepare(shared)
    counts: Counter = Counter()
    for index, (name, item, function) in enumerate(CASES):
        if args.only and not any(word in name for word in args.only):
            continue
        root = base / f"case{index:02d}"
        root.mkdir()
        started = time.perf_counter()
        try:
            outcome = function(Context(root, shared))
        except Exception as error:  # the harness's own check failed: report, do not hide
            outcome = f"harness error: {type(error).__name__}: {error}"
        counts[outcome if outcome in OUTCOMES else "harness error"] += 1
        print(f"item {item:>2}  {name:<52} {outcome}  ({time.perf_counter() - started:.0f} s)", flush=True)
    print("\n| outcome | cases |\n| --- | --- |")
    for outcome in (*OUTCOMES, "harness error"):
        print(f"| {outcome} | {counts[outcome]} |")
    print(f"| total | {sum(counts.values())} |")
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
