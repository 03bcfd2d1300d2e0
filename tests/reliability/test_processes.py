"""Whole processes: two trainings started in the same second into one checkpoint directory (the clock that
names run directories is stopped at one second in both), and a training killed
(SIGKILL) at random moments and resumed, compared with an uninterrupted run. Tiny model and data: each
process runs for a few seconds."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from jointformer.checkpoint import read_checkpoint

TINY = ["--hid_dim", "16", "--num_layers", "1", "--d_inner", "32", "--epochs", "3", "-b", "256",
        "--downsample", "4", "--device", "cpu", "--progress", "none", "--snapshot", "1"]
TIMING_COLUMNS = {"samples_per_s", "seconds"}
KILLS = 2


def command(data_dir: Path, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "jointformer.cli", "train", "--data-dir", str(data_dir), *TINY, *arguments]


def environment() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


SECOND = "2026-01-01-12-00-00"


def same_second(arguments: list[str]) -> list[str]:
    """The command with the clock that names run directories stopped at one second, as for two runs
    started together: ``python -m jointformer.cli ARGS`` becomes ``python -c <stop clock; main> ARGS``."""
    stop_clock = (f"import sys; from jointformer import run_directory, cli; "
                  f"run_directory._timestamp = lambda: {SECOND!r}; sys.exit(cli.main(sys.argv[1:]))")
    return [arguments[0], "-c", stop_clock, *arguments[3:]]


def run_dirs(parent: Path) -> list[Path]:
    return sorted(path for path in parent.iterdir() if path.is_dir()) if parent.exists() else []


@pytest.mark.slow
def test_two_runs_started_together_keep_their_own_directories(tmp_path, tiny_data_dir):
    parent = tmp_path / "checkpoint"
    arguments = {seed: same_second(command(tiny_data_dir, "-c", str(parent), "--seed", str(seed)))
                 for seed in (1, 2)}
    processes = {seed: subprocess.Popen(arguments[seed],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env=environment())
                 for seed in (1, 2)}
    outputs = {seed: process.communicate(timeout=300) for seed, process in processes.items()}
    for seed, process in processes.items():
        assert process.returncode == 0, outputs[seed][1]
    directories = run_dirs(parent)
    assert [path.name for path in directories] == [f"{SECOND}_stage1_gt", f"{SECOND}_stage1_gt-2"]
    seeds = {json.loads((directory / "config.json").read_text())["train"]["seed"]: directory
             for directory in directories}
    assert set(seeds) == {1, 2}
    for seed, directory in seeds.items():
        assert f"checkpoint {directory / 'ckpt_best.pth.tar'}" in outputs[seed][0]  # each reports its own
        last = read_checkpoint(directory / "ckpt_last.pth.tar")
        assert last["epoch"] == 3 and len(last["history"]) == 3
    digests = {read_checkpoint(directory / "ckpt_last.pth.tar")["parameter_digests"][0]
               for directory in directories}
    assert len(digests) == 2  # two seeds, two different models, neither overwritten by the other


def resume_or_start(parent: Path) -> list[str]:
    """Flags that resume the latest run under ``parent`` from its ckpt_last, or start one when none has
    written it yet (killed before the end of its first epoch)."""
    resumable = [path / "ckpt_last.pth.tar" for path in run_dirs(parent)
                 if (path / "ckpt_last.pth.tar").exists()]
    return ["--resume", str(resumable[-1])] if resumable else ["-c", str(parent)]


def wait_for_training(parent: Path, process: subprocess.Popen, limit_s: float = 120.0) -> bool:
    """Wait until a run under ``parent`` has a config.json modified after now (the process has loaded its
    data and is training) or the process ended; True in the first case."""
    start = time.time()
    while process.poll() is None and time.time() - start < limit_s:
        if any((path / "config.json").exists() and (path / "config.json").stat().st_mtime >= start - 1
               for path in run_dirs(parent)):
            return True
        time.sleep(0.05)
    return False


def history_without_timings(checkpoint: dict) -> list[dict]:
    return [{key: value for key, value in row.items() if key not in TIMING_COLUMNS}
            for row in checkpoint["history"]]


@pytest.mark.slow
def test_killed_at_random_moments_and_resumed_equals_an_uninterrupted_run(tmp_path, tiny_data_dir):
    reference_parent = tmp_path / "reference"
    subprocess.run(command(tiny_data_dir, "-c", str(reference_parent)), check=True, capture_output=True,
                   timeout=300, env=environment())
    (reference_dir,) = run_dirs(reference_parent)
    reference = read_checkpoint(reference_dir / "ckpt_last.pth.tar")

    parent = tmp_path / "killed"
    moments = random.Random(13)
    kills = 0
    for _ in range(KILLS):
        process = subprocess.Popen(command(tiny_data_dir, *resume_or_start(parent)),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment())
        started = wait_for_training(parent, process)
        time.sleep(moments.uniform(0.0, 1.5) if started else 0.0)  # a random moment of the training
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        for directory in run_dirs(parent):  # whatever was on disk at the kill is complete and readable
            for checkpoint in directory.glob("ckpt_*.pth.tar"):
                read_checkpoint(checkpoint)
    finished = subprocess.run(command(tiny_data_dir, *resume_or_start(parent)), capture_output=True,
                              text=True, timeout=300, env=environment())
    assert finished.returncode == 0, finished.stderr
    assert kills >= 1

    final_dir = run_dirs(parent)[-1]
    final = read_checkpoint(final_dir / "ckpt_last.pth.tar")
    assert final["epoch"] == reference["epoch"] == 3
    assert final["state_dict"].keys() == reference["state_dict"].keys()
    for key, tensor in reference["state_dict"].items():
        assert torch.equal(final["state_dict"][key], tensor), key
    assert history_without_timings(final) == history_without_timings(reference)
    assert not [path for path in final_dir.iterdir() if path.name.endswith(".tmp")]  # stale partials removed
