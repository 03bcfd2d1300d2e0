"""Print the 2D input statistics of a data set's training split (normalised screen units).

    python benchmarks/input_stats.py [--data-dir DIR] [--keypoints NAME] [--templates-out FILE]
The data set is written to DIR first when absent (the embedded one of seed 0, `jointformer synth`). Those of
the embedded data set are what `Lifter` falls back on for checkpoints that store none (the published ones):
`jointformer.data.input_stats.default_input_stats()` derives them the same way, rounded to 4 decimals. The
pose templates (64 x 17 x 2) are written to FILE instead of printed.
"""

import argparse
import json

from jointformer.data.h36m import load_pose_sets
from jointformer.data.input_stats import InputStats
from jointformer.demo import ensure_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data/synthetic")
    parser.add_argument("--keypoints", default="cpn_ft_h36m_dbb")
    parser.add_argument("--templates-out", default=None, help="JSON file for the pose templates")
    args = parser.parse_args()
    ensure_dataset(args.data_dir, args.keypoints, seed=0)
    train_set, _ = load_pose_sets(args.data_dir, args.keypoints)
    statistics = InputStats.from_pose_set(train_set).to_dict()
    templates = statistics.pop("pose_templates_2d")
    print(json.dumps(statistics))
    if args.templates_out:
        with open(args.templates_out, "w", encoding="utf-8") as handle:
            handle.write("[\n" + ",\n".join(json.dumps(pose) for pose in templates) + "\n]\n")
        print(f"pose templates: {len(templates)} written to {args.templates_out}")


if __name__ == "__main__":
    main()
