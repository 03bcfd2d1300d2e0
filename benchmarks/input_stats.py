"""Print the 2D input statistics of the embedded data set's training split (normalised screen units).

These are the statistics `Lifter` falls back on for checkpoints that store none (the published ones):
    python benchmarks/input_stats.py [--data-dir DIR] [--keypoints NAME]
The data set is written to DIR first when absent (`jointformer synth`).
"""

import argparse
import json

from jointformer.data.h36m import load_pose_sets
from jointformer.demo import ensure_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data/synthetic")
    parser.add_argument("--keypoints", default="cpn_ft_h36m_dbb")
    args = parser.parse_args()
    ensure_dataset(args.data_dir, args.keypoints, seed=0)
    train_set, _ = load_pose_sets(args.data_dir, args.keypoints)
    print(json.dumps(train_set.input_statistics()))


if __name__ == "__main__":
    main()
