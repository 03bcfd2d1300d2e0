"""Speed of the published JointFormer models on this machine's CPU.

    python benchmarks/model_speed.py [--model stage1|refiner|semgcn|semgcn_nonlocal|linear] [--repeats N]
                                     [--compile] [--threads N] [--no-baseline]

Prints, for the published stage-1 configuration (hid 64, 4 layers, d_inner 512, 8 heads of 64,
intermediate supervision, error prediction, conv embedding) or, with ``--model refiner``, the published
refiner (hid 256, 2 layers, d_inner 1024, 8 heads of 64, fed through its own forward with the 2D input,
a stage-1 pose and a stage-1 error), or SemGCN's published baselines on this package's 17 joints
(``--model semgcn``: hid 128, 4 residual blocks; ``semgcn_nonlocal``: with non-local blocks; ``linear``:
Martinez et al., 1024 wide, 2 stages; FLOPs of these counted by torch.utils.flop_counter, training step
with their Adam):

- forward samples/s at batch 1024, eval mode, no grad, float32 and bfloat16 autocast (one call of
  ``jointformer.models.inference.predict``, which runs the batch in chunks: see ``INFERENCE_CHUNK_BYTES``
  there and ``benchmarks/inference_chunks.py``);
- training-step samples/s at batch 256, float32: forward, the loss (stage 1: poses and errors; refiner:
  pose MSE), backward, AdamW step;
- the achieved GFLOP/s of each, and its ratio to a 4096 x 4096 matrix multiply of the same precision
  measured in the same run;
- for stage 1, unless ``--no-baseline``: the same forward and training-step figures for the published
  code's structure (``published_structure.py``: same weights, checked to give the same poses first) and
  this package's speed-up over it, measured in the same run.

Every figure is the median of ``--repeats`` timed runs after warm-up runs; torch's default thread count is
used unless ``--threads`` sets another (one thread gives a per-core figure that suffers less when other
processes share the machine). FLOPs are counted analytically (2 per multiply-add of every matrix product,
attention included; element-wise work is not counted) and cross-checked against torch.utils.flop_counter,
which misses the fused attention kernel. A training step is counted as 3 forward passes (the backward pass
computes two products per forward product). The count is that of the textbook attention (q/k/v and output
projections); where the model folds the projections per head (see ``MultiHeadSelfAttention``) it does
fewer, so the GFLOP/s column is then an effective rate and the flop_counter figure is lower. The machine
may be shared: the load average before and after is printed, and figures taken under load are low.
"""

from __future__ import annotations

import argparse
import os

import torch
from published_structure import TextbookJointFormer  # sibling module (benchmarks/ is on sys.path)
from torch.utils.flop_counter import FlopCounterMode

from jointformer.allocator import keep_large_blocks_in_heap
from jointformer.comparison import median_seconds
from jointformer.models.inference import predict
from jointformer.models.jointformer import JointFormer, JointFormerConfig, LiftOutput
from jointformer.models.linear import LinearModelConfig
from jointformer.models.registry import build
from jointformer.models.semgcn import SemGCNConfig
from jointformer.recipes import build_optimizer
from jointformer.training import refinement_loss, stage1_loss

FORWARD_BATCH = 1024
TRAIN_BATCH = 256
MATMUL_SIZE = 4096
TARGETS = {"forward float32": 3000.0, "forward bfloat16": 6000.0, "train step float32": 1000.0}
"""Targets for the published stage-1 model; the refiner has none."""
CONFIGS = {"stage1": JointFormerConfig(), "refiner": JointFormerConfig.published_refiner(),
           "semgcn": SemGCNConfig(), "semgcn_nonlocal": SemGCNConfig(non_local=True),
           "linear": LinearModelConfig()}


def forward_flops(config: JointFormerConfig) -> int:
    """Multiply-add FLOPs (x2) of one sample's forward pass, embedding to output heads."""
    joints, features, width = config.num_joints, config.in_features, config.hid_dim
    attention_width = config.num_heads * config.d_head
    if config.embedding_type == "conv":
        embedding = 2 * joints * features * width
    elif config.embedding_type == "linear":
        embedding = 2 * (joints * features) * (joints * width)
    else:  # two F -> d maps, then two J x J mixes
        embedding = 2 * 2 * joints * features * width + 2 * 2 * joints * joints * width
    per_layer = (
        2 * joints * width * 3 * attention_width  # q, k, v projections
        + 2 * 2 * config.num_heads * joints * joints * config.d_head  # scores and weighted values
        + 2 * joints * attention_width * width  # output projection
        + 2 * 2 * joints * width * config.d_inner  # feed-forward
    )
    head = 2 * (joints * width) * (joints * 3)
    heads_per_output = 1 + int(config.error_prediction)
    if config.intermediate:
        heads = config.num_layers * (heads_per_output * head + head)  # + intermediate_enc (J*3 -> J*d)
    else:
        heads = heads_per_output * head
    return embedding + config.num_layers * per_layer + heads


def training_loss(output: LiftOutput, target: torch.Tensor) -> torch.Tensor:
    """The training module's loss: stage 1's for a model with error heads, else the refiner's."""
    if output.errors is None:
        return refinement_loss(output, target)
    return stage1_loss(output, target)


def model_inputs(model: torch.nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The model's positional arguments from x (B, J, F): a refiner's F = 8 features split into its three
    (2D input, stage-1 pose, stage-1 error); x alone for the other models."""
    # Also true of a torch.compile'd refiner, which forwards .config; the baselines' configs have no kind.
    if getattr(model.config, "kind", None) == "refiner":
        return x[..., :2], x[..., 2:5], x[..., 5:]
    return (x,)


def run_model(model: torch.nn.Module, x: torch.Tensor) -> LiftOutput:
    """Inference on x (B, J, F) as evaluation and lifting run it (``predict``: no-grad CPU batches in
    chunks)."""
    return predict(model, *model_inputs(model, x))


def matmul_gflops(dtype: torch.dtype, repeats: int) -> float:
    a = torch.randn(MATMUL_SIZE, MATMUL_SIZE).to(dtype)
    b = torch.randn(MATMUL_SIZE, MATMUL_SIZE).to(dtype)
    seconds = median_seconds(lambda: torch.mm(a, b), repeats, warmup=1)
    return 2 * MATMUL_SIZE**3 / seconds / 1e9


def forward_seconds(model: torch.nn.Module, x: torch.Tensor, repeats: int, bfloat16: bool) -> float:
    def run() -> None:
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            run_model(model, x)

    return median_seconds(run, repeats)


def train_step_seconds(model: torch.nn.Module, repeats: int) -> float:
    generator = torch.Generator().manual_seed(0)
    shape = (TRAIN_BATCH, model.config.num_joints, model.config.in_features)
    x = torch.rand(shape, generator=generator) * 2 - 1
    target = torch.randn(TRAIN_BATCH, model.config.num_joints, 3, generator=generator) * 0.3
    optimizer = build_optimizer(model.config, model.parameters(), lr=1e-3)  # AdamW, or the baselines' Adam
    model.train()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        training_loss(model(*model_inputs(model, x)), target).backward()
        optimizer.step()

    seconds = median_seconds(step, repeats)
    model.eval()
    return seconds


def published_structure_copy(model: JointFormer, x: torch.Tensor) -> TextbookJointFormer:
    """The published-structure baseline holding ``model``'s weights; refuses to return one whose per-layer
    poses or errors on x (B, J, 2) differ from the model's by more than 1e-4 m, so the two timings are of the
    same function."""
    baseline = TextbookJointFormer(model.config)
    baseline.load_state_dict(model.state_dict(), strict=True)
    baseline.eval()
    with torch.no_grad():
        theirs, ours = baseline(x), model(x)
    assert theirs.errors is not None and ours.errors is not None
    pairs = zip([*theirs.poses, *theirs.errors], [*ours.poses, *ours.errors], strict=True)
    difference = max((a - b).abs().max().item() for a, b in pairs)
    if difference > 1e-4:
        raise RuntimeError(f"published-structure baseline differs from the model by {difference:.2e} m")
    return baseline


def counted_forward_flops(model: torch.nn.Module, x: torch.Tensor) -> int:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        run_model(model, x)
    return counter.get_total_flops() // x.shape[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=tuple(CONFIGS), default="stage1",
                        help="published configuration to time (default: stage1)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per figure (median reported)")
    parser.add_argument("--compile", action="store_true", help="also time a torch.compile'd forward")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip timing the published code's structure (stage 1 only)")
    parser.add_argument("--default-allocator", action="store_true",
                        help="leave glibc's allocator settings alone (the package's commands tune them)")
    args = parser.parse_args(argv)
    tuned = False if args.default_allocator else keep_large_blocks_in_heap()
    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads must be at least 1, got {args.threads}")
        torch.set_num_threads(args.threads)

    torch.manual_seed(0)
    config = CONFIGS[args.model]
    model = build(config).eval()
    x = torch.rand(FORWARD_BATCH, config.num_joints, config.in_features,
                   generator=torch.Generator().manual_seed(1)) * 2 - 1
    is_transformer = isinstance(config, JointFormerConfig)
    flops = forward_flops(config) if is_transformer else counted_forward_flops(model, x[:8])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average before "
          f"{os.getloadavg()[0]:.2f}, large blocks kept in the heap: {tuned}")
    print(f"published {args.model} model: {sum(p.numel() for p in model.parameters()):,} parameters, "
          f"{flops / 1e6:.2f} MFLOP per sample forward (flop_counter without fused attention: "
          f"{counted_forward_flops(model, x[:8]) / 1e6:.2f})")

    peak32 = matmul_gflops(torch.float32, args.repeats)
    peak16 = matmul_gflops(torch.bfloat16, args.repeats)
    print(f"matmul {MATMUL_SIZE}^2: float32 {peak32:.0f} GFLOP/s, bfloat16 {peak16:.0f} GFLOP/s")

    rows = []
    seconds = forward_seconds(model, x, args.repeats, bfloat16=False)
    rows.append(("forward float32", FORWARD_BATCH, seconds, flops, peak32))
    seconds = forward_seconds(model, x, args.repeats, bfloat16=True)
    rows.append(("forward bfloat16", FORWARD_BATCH, seconds, flops, peak16))
    if args.compile:
        compiled = torch.compile(model)
        seconds = forward_seconds(compiled, x, args.repeats, bfloat16=False)
        rows.append(("forward float32 compiled", FORWARD_BATCH, seconds, flops, peak32))
    seconds = train_step_seconds(model, args.repeats)
    rows.append(("train step float32", TRAIN_BATCH, seconds, 3 * flops, peak32))
    baseline_rows = []
    if args.model == "stage1" and not args.no_baseline:
        baseline = published_structure_copy(model, x[:64])
        seconds = forward_seconds(baseline, x, args.repeats, bfloat16=False)
        baseline_rows.append(("forward float32", FORWARD_BATCH, seconds, flops, peak32))
        seconds = forward_seconds(baseline, x, args.repeats, bfloat16=True)
        baseline_rows.append(("forward bfloat16", FORWARD_BATCH, seconds, flops, peak16))
        seconds = train_step_seconds(baseline, args.repeats)
        baseline_rows.append(("train step float32", TRAIN_BATCH, seconds, 3 * flops, peak32))

    print(f"{'':26s} {'batch':>6s} {'ms':>8s} {'samples/s':>10s} {'GFLOP/s':>8s} {'of matmul':>9s}  target")
    for name, batch, seconds, sample_flops, peak in rows:
        rate = batch / seconds
        achieved = sample_flops * rate / 1e9
        target = TARGETS.get(name) if args.model == "stage1" else None
        verdict = "" if target is None else f">= {target:,.0f}: {'met' if rate >= target else 'missed'}"
        print(f"{name:26s} {batch:6d} {seconds * 1e3:8.1f} {rate:10.0f} {achieved:8.1f} "
              f"{achieved / peak:9.2f}  {verdict}")
    if baseline_rows:
        print("published code's structure (benchmarks/published_structure.py), same weights:")
        ours = {name: batch / seconds for name, batch, seconds, _, _ in rows}
        for name, batch, seconds, _, _ in baseline_rows:
            rate = batch / seconds
            print(f"{name:26s} {batch:6d} {seconds * 1e3:8.1f} {rate:10.0f}   this package is "
                  f"{ours[name] / rate:.2f}x faster")
    print(f"load average after {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
