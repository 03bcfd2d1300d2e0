"""Lifting anyone's 2D keypoints to 3D with a trained model, and what surrounds it.

- :mod:`~jointformer.lift.lifter`: :class:`~jointformer.lift.lifter.Lifter` and its ``LiftResult``.
- :mod:`~jointformer.lift.normalization`: bringing keypoints into the training distribution; the default
  input statistics.
- :mod:`~jointformer.lift.layouts`: detector joint layouts and their conversion to Human3.6M's 17 joints.
- :mod:`~jointformer.lift.keypoint_files`: reading keypoint files (COCO JSON, CSV, NumPy, ...) as tracks.
- :mod:`~jointformer.lift.smoothing`: the One-Euro filter over lifted sequences.
- :mod:`~jointformer.lift.outputs`: the JSON and NPZ files of lifted poses.
- :mod:`~jointformer.lift.export`: the lifting model as ONNX.
- :mod:`~jointformer.lift.root_position`: the absolute root position from 2D and 3D.
- :mod:`~jointformer.lift.bvh`: lifted sequences as Biovision motion files.
- :mod:`~jointformer.lift.pretrained`: the packaged in-the-wild model.
- :mod:`~jointformer.lift.video`: MediaPipe Pose detection on videos and image folders, then lifting.
"""
