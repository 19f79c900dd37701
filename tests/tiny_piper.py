"""A tiny stand-in Piper voice: an ONNX model with Piper's input and output signature.

Inputs `input` (phoneme ids, int64 [1, n]), `input_lengths` (int64 [1]) and `scales`
(float32 [noise, length, noise_w]); output audio float32 [1, 1, samples]. Each phoneme
id becomes a short tone whose pitch depends on the id, `HOP` samples long times the
length scale, so the audio follows the text and a slower speed makes it longer. Like a
real Piper voice it samples noise on every run (RandomNormalLike): `noise_scale` adds hiss
to the audio and `noise_w` makes the phonemes' length vary, so it shows whether a build
is reproducible.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RATE = 16_000
HOP = 256  # samples per phoneme id, as in real Piper voices


def build(folder: Path, name: str = "en_US-tiny-x_low") -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    def const(name: str, value) -> onnx.NodeProto:
        return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.array(value), name))

    nodes = [
        const("base_step", np.float32(2 * np.pi * 200 / RATE)),  # 200 Hz for id 0
        const("id_step", np.float32(2 * np.pi * 4 / RATE)),  # 4 Hz higher per id
        const("flat", np.array([1, 1, -1], dtype=np.int64)),
        const("length_index", np.array([1], dtype=np.int64)),
        const("fixed_dims", np.array([1, 1], dtype=np.int64)),
        const("amplitude", np.float32(0.5)),
        helper.make_node("Cast", ["input"], ["ids"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["ids", "id_step"], ["id_part"]),
        helper.make_node("Add", ["id_part", "base_step"], ["step"]),  # [1, n]
        helper.make_node("Unsqueeze", ["step", "minus_one"], ["step3"]),  # [1, n, 1]
        const("minus_one", np.array([-1], dtype=np.int64)),
        const("tile", np.array([1, 1, HOP], dtype=np.int64)),
        helper.make_node("Tile", ["step3", "tile"], ["steps"]),  # [1, n, HOP]
        helper.make_node("Reshape", ["steps", "flat"], ["per_sample"]),  # [1, 1, n*HOP]
        helper.make_node("Shape", ["per_sample"], ["shape"]),
        helper.make_node("Gather", ["shape", "two"], ["samples"]),
        const("two", np.array([2], dtype=np.int64)),
        helper.make_node("Cast", ["samples"], ["samples_f"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["scales", "length_index"], ["length_scale"]),
        # The length varies by noise_w times a random 5 %, as Piper's duration noise does.
        const("noise_index", np.array([0], dtype=np.int64)),
        const("noise_w_index", np.array([2], dtype=np.int64)),
        const("jitter", np.float32(0.05)),
        helper.make_node("Gather", ["scales", "noise_index"], ["noise_scale"]),
        helper.make_node("Gather", ["scales", "noise_w_index"], ["noise_w"]),
        helper.make_node("RandomNormalLike", ["length_scale"], ["length_noise"]),
        helper.make_node("Mul", ["length_noise", "noise_w"], ["length_noise_w"]),
        helper.make_node("Mul", ["length_noise_w", "jitter"], ["length_jitter"]),
        helper.make_node("Add", ["length_scale", "length_jitter"], ["length_varied"]),
        helper.make_node("Mul", ["samples_f", "length_varied"], ["scaled"]),
        helper.make_node("Cast", ["scaled"], ["scaled_i"], to=TensorProto.INT64),
        helper.make_node("Concat", ["fixed_dims", "scaled_i"], ["sizes"], axis=0),
        helper.make_node("Resize", ["per_sample", "", "", "sizes"], ["resized"], mode="nearest"),
        const("axis", np.array(2, dtype=np.int64)),
        helper.make_node("CumSum", ["resized", "axis"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Mul", ["wave", "amplitude"], ["clean"]),
        helper.make_node("RandomNormalLike", ["clean"], ["hiss"]),
        helper.make_node("Mul", ["hiss", "noise_scale"], ["hiss_scaled"]),
        helper.make_node("Mul", ["hiss_scaled", "jitter"], ["hiss_quiet"]),
        helper.make_node("Add", ["clean", "hiss_quiet"], ["output"]),
    ]
    # Constants first: ONNX wants nodes in topological order.
    nodes.sort(key=lambda node: node.op_type != "Constant")
    graph = helper.make_graph(
        nodes,
        "tiny_piper",
        [
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, "n"]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "samples"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by older onnxruntime releases too
    onnx.checker.check_model(model)
    path = folder / f"{name}.onnx"
    onnx.save(model, path)
    config = {
        "audio": {"sample_rate": RATE},
        "espeak": {"voice": "en-us"},
        "language": {"code": "en_US"},
        "num_symbols": max(i for ids in DEFAULT_PHONEME_ID_MAP.values() for i in ids) + 1,
        "num_speakers": 1,
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
    }
    Path(f"{path}.json").write_text(json.dumps(config), encoding="utf-8")
    return path
