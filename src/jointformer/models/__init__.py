"""The two networks of the paper: JointFormer (stage 1) and the refinement transformer (stage 2)."""
