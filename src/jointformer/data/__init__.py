"""Human3.6M data: skeleton and camera facts, the VideoPose3D reader, pose sets, the embedded data."""
