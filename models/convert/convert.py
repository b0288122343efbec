"""Convert pose models from an extracted npm package to ONNX, and record the original model's outputs.

Runs inside a throwaway virtual environment with tensorflow-cpu==2.21.0 and tf2onnx==1.17.0; the app never
imports this file. For each job it writes `<out>/<id>.onnx` and `<out>/<id>.reference.json`, the latter holding
the ORIGINAL model's outputs (TF.js graph run by TensorFlow, or .tflite run by the TFLite interpreter) on the
reference input the caller supplies as a .npy file, so the ONNX file can be checked against them afterwards.

    python convert.py --package DIR --jobs jobs.json --out-dir DIR

jobs.json is a list of {"id", "format": "tfjs"|"tflite", "path", "input": "ref.npy",
"input_name", "outputs": [{"name", "shape"}], "packed": optional "filename inside a packed-assets blob"}.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter hides real progress
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

if not hasattr(np, "product"):  # tf2onnx 1.17 still calls np.product, removed in NumPy 2
    np.product = np.prod

import tensorflow as tf  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from tensorflow.core.framework import attr_value_pb2, graph_pb2  # noqa: E402
from tensorflow.python.framework import op_def_registry  # noqa: E402

OPSET = 17
SAMPLES = 16  # evenly spaced flat indices recorded per output
HEAD = 8


def say(msg: str) -> None:
    print(msg, flush=True)


# ----------------------------------------------------------------------------------------------------------
# Reference statistics: a few numbers per output that pin down the whole tensor well enough


def output_stats(arr: np.ndarray) -> dict:
    flat = np.asarray(arr, dtype=np.float64).ravel()
    idx = np.unique(np.linspace(0, flat.size - 1, SAMPLES).astype(np.int64))
    return {
        "shape": list(arr.shape),
        "head": [float(v) for v in flat[:HEAD]],
        "sample_index": [int(i) for i in idx],
        "samples": [float(flat[i]) for i in idx],
        "sum": float(flat.sum()),
        "abs_sum": float(np.abs(flat).sum()),
        "max_abs": float(np.abs(flat).max()),
    }


# ----------------------------------------------------------------------------------------------------------
# TF.js graph models (MoveNet)


def read_tfjs_weights(model: dict, folder: Path) -> dict[str, np.ndarray]:
    """Decode the weight shards the way TF.js does (float16 'quantization' is just a storage type)."""
    manifest = model["weightsManifest"]
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        data = b"".join((folder / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            count = int(np.prod(w["shape"], dtype=np.int64))
            dtype = np.dtype(w["dtype"])
            q = w.get("quantization")
            if q:
                raw = np.frombuffer(data, dtype=np.dtype(q["dtype"]), count=count, offset=offset)
                offset += raw.nbytes
                arr = raw.astype(dtype)
                if "scale" in q:
                    arr = arr * q["scale"] + q["min"]
            else:
                arr = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
                offset += arr.nbytes
            weights[w["name"]] = arr.reshape(w["shape"]).astype(dtype)
        if offset != len(data):
            raise RuntimeError(f"weight shards hold {len(data)} bytes but the manifest describes {offset}")
    return weights


def _attr_json(value: attr_value_pb2.AttrValue) -> dict:
    return json_format.MessageToDict(value)


def fill_missing_attrs(model: dict) -> int:
    """Add attributes TensorFlow 2.20+ requires but these older TF.js graphs lack; returns how many were added.

    `_FusedConv2D` needs `TArgs` (the dtypes of its extra args, all equal to T here); every other missing
    attribute has a registered default that we write out explicitly so both TensorFlow and tf2onnx see it.
    """
    added = 0
    for node in model["modelTopology"]["node"]:
        op = node["op"]
        if op == "Const":
            continue
        op_def = op_def_registry.get("_FusedDepthwiseConv2dNative" if op == "FusedDepthwiseConv2dNative" else op)
        if op_def is None:
            raise RuntimeError(f"TensorFlow does not know the op {op} used by node {node['name']}")
        attrs = node.setdefault("attr", {})
        for a in op_def.attr:
            if a.name in attrs:
                continue
            if a.name == "TArgs" and op == "_FusedConv2D":
                t = attrs["T"]["type"]
                attrs["TArgs"] = {"list": {"type": [t] * int(attrs["num_args"]["i"])}}
            elif a.HasField("default_value"):
                attrs[a.name] = _attr_json(a.default_value)
            else:
                raise RuntimeError(f"node {node['name']} ({op}) lacks attribute {a.name}, which has no default")
            added += 1
    return added


def tfjs_graph_def(model: dict, weights: dict[str, np.ndarray]) -> graph_pb2.GraphDef:
    """Rebuild a frozen TensorFlow GraphDef from the TF.js topology and weights, to run the original model."""
    topo = copy.deepcopy(model["modelTopology"])
    nodes = []
    for node in topo["node"]:
        if node["op"] == "FusedDepthwiseConv2dNative":  # TF.js name for TensorFlow's internal fused op
            node["op"] = "_FusedDepthwiseConv2dNative"
            pads = node["attr"].pop("explicit_paddings", {})
            if pads.get("list", {}).get("i"):
                raise RuntimeError(f"explicit paddings on {node['name']} are not supported")
        nodes.append(node)
    topo["node"] = nodes
    topo.pop("format", None)
    gd = json_format.ParseDict({"node": topo["node"], "versions": topo.get("versions", {})}, graph_pb2.GraphDef(),
                               ignore_unknown_fields=True)
    for node in gd.node:
        if node.op == "Const":
            arr = weights[node.name]
            dtype = tf.dtypes.as_dtype(node.attr["dtype"].type).as_numpy_dtype
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(arr.astype(dtype)))
    return gd


def run_tfjs_original(model: dict, weights: dict[str, np.ndarray], inp: np.ndarray) -> list[np.ndarray]:
    gd = tfjs_graph_def(model, weights)
    sig = model["signature"]
    in_name = next(iter(sig["inputs"].values()))["name"]
    out_names = [v["name"] for v in sig["outputs"].values()]
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(gd, name="")
    with tf.compat.v1.Session(graph=graph) as sess:
        return [np.asarray(v) for v in sess.run(out_names, feed_dict={in_name: inp})]


def convert_tfjs(job: dict, package: Path, out_onnx: Path) -> list[np.ndarray]:
    from tf2onnx import convert as tfc

    json_path = (package / job["path"]).resolve()
    model = json.loads(json_path.read_text())
    weights = read_tfjs_weights(model, json_path.parent)
    added = fill_missing_attrs(model)
    say(f"  filled {added} missing node attributes")
    inp = np.load(job["input"])
    say("  running the original TF.js graph in TensorFlow")
    original = run_tfjs_original(model, weights, inp)

    sig = model["signature"]
    # tf2onnx first renames tensors to the signature's keys, so map from those
    renames = {next(iter(sig["inputs"])): job["input_name"]}
    for key, want in zip(sig["outputs"], job["outputs"]):
        renames[key] = want["name"]
    with tempfile.TemporaryDirectory() as tmp:
        patched = Path(tmp) / "model.json"
        patched.write_text(json.dumps(model))
        for p in {p for g in model["weightsManifest"] for p in g["paths"]}:
            shutil.copyfile(json_path.parent / p, Path(tmp) / p)  # symlinks need privileges on Windows
        say(f"  converting with tf2onnx (opset {OPSET})")
        # _convert_common is what `python -m tf2onnx.convert --tfjs` calls; tf2onnx is pinned, so it is stable
        with tf.device("/cpu:0"):
            tfc._convert_common(None, name=json_path.stem, continue_on_error=False, opset=OPSET,
                                tfjs_path=str(patched), tensors_to_rename=renames,
                                input_names=None, output_names=None, output_path=str(out_onnx))
    return original


# ----------------------------------------------------------------------------------------------------------
# TFLite models (BlazePose)


def unpack_asset(blob_path: Path, loader_js: Path, filename: str) -> bytes:
    """Slice one file out of an Emscripten packed-assets blob using the offsets its loader script lists."""
    text = loader_js.read_text(errors="replace")
    entries = re.findall(r'"filename":\s*"([^"]+)",\s*"start":\s*(\d+),\s*"end":\s*(\d+)', text)
    for name, start, end in entries:
        if name.endswith("/" + filename) or name == filename:
            data = blob_path.read_bytes()[int(start):int(end)]
            break
    else:
        raise RuntimeError(f"{loader_js.name} lists no {filename}; it lists {[e[0] for e in entries]}")
    if data[4:8] != b"TFL3":
        raise RuntimeError(f"{filename} inside {blob_path.name} is not a TFLite flatbuffer")
    return data


def densify_tflite(data: bytes) -> bytes:
    """Replace every DENSIFY op by its dense constant output (tf2onnx cannot read sparse weights)."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils as fbu

    model = fbu.convert_bytearray_to_object(bytearray(data))
    densify_codes = {i for i, c in enumerate(model.operatorCodes)
                     if max(c.builtinCode, c.deprecatedBuiltinCode) == schema.BuiltinOperator.DENSIFY}
    if not densify_codes:
        return data
    # Without the default XNNPACK delegate: it consumes sparse weights itself and never fills DENSIFY outputs.
    interp = tf.lite.Interpreter(
        model_content=data, experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interp.allocate_tensors()
    detail = interp.get_input_details()[0]
    interp.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
    interp.invoke()
    sg = model.subgraphs[0]
    kept = []
    for op in sg.operators:
        if op.opcodeIndex not in densify_codes:
            kept.append(op)
            continue
        out_index = int(op.outputs[0])
        dense = np.ascontiguousarray(interp.get_tensor(out_index))
        buf = schema.BufferT()
        buf.data = np.frombuffer(dense.tobytes(), dtype=np.uint8)
        model.buffers.append(buf)
        sg.tensors[out_index].buffer = len(model.buffers) - 1
        sparse = sg.tensors[int(op.inputs[0])]
        # The sparse source is unused now: make it an empty dense constant so no reader has to decode it.
        sparse.sparsity = None
        sparse.shape = np.zeros(1, np.int32)
        sparse.buffer = 0
    sg.operators = kept
    return bytes(fbu.convert_object_to_bytearray(model))


def run_tflite(data: bytes, inp: np.ndarray) -> tuple[list[np.ndarray], list[dict]]:
    interp = tf.lite.Interpreter(model_content=data)
    interp.allocate_tensors()
    detail = interp.get_input_details()[0]
    interp.set_tensor(detail["index"], inp.astype(detail["dtype"]))
    interp.invoke()
    outs = interp.get_output_details()
    return [np.array(interp.get_tensor(o["index"])) for o in outs], outs


def match_by_shape(details: list[dict], wanted: list[dict]) -> dict[str, str]:
    """Map original output tensor names to the manifest's names; shapes are unique within each model."""
    mapping = {}
    for w in wanted:
        hits = [d["name"] for d in details if list(d["shape"]) == list(w["shape"])]
        if len(hits) != 1:
            raise RuntimeError(f"expected one output of shape {w['shape']}, found {hits}")
        mapping[hits[0]] = w["name"]
    return mapping


def convert_tflite(job: dict, package: Path, out_onnx: Path) -> list[np.ndarray]:
    from tf2onnx import convert as tfc

    src = package / job["path"]
    if job.get("packed"):
        data = unpack_asset(src, src.with_name(src.stem + "_loader.js"), job["packed"])
        say(f"  {job['packed']} found inside {src.name} ({len(data)} bytes)")
    else:
        data = src.read_bytes()
    inp = np.load(job["input"])
    say("  running the original model in the TFLite interpreter")
    original, details = run_tflite(data, inp)
    dense = densify_tflite(data)
    if dense is not data:
        check, _ = run_tflite(dense, inp)
        worst = max(float(np.max(np.abs(a - b))) for a, b in zip(original, check))
        say(f"  densified sparse weights (largest output change {worst:.2e})")
    renames = match_by_shape(details, job["outputs"])
    in_name = tf.lite.Interpreter(model_content=data).get_input_details()[0]["name"]
    renames[in_name] = job["input_name"]
    by_name = dict(zip([d["name"] for d in details], original))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.tflite"
        path.write_bytes(dense)
        say(f"  converting with tf2onnx (opset {OPSET})")
        with tf.device("/cpu:0"):
            tfc._convert_common(None, name=src.stem, continue_on_error=False, opset=OPSET,
                                tflite_path=str(path), tensors_to_rename=renames,
                                input_names=None, output_names=None, output_path=str(out_onnx))
    inv = {v: k for k, v in renames.items()}
    return [by_name[inv[w["name"]]] for w in job["outputs"]]


# ----------------------------------------------------------------------------------------------------------


def reorder_outputs(onnx_path: Path, names: list[str], input_name: str) -> None:
    """Put outputs in the manifest's order and check the names landed (tf2onnx keeps its own order)."""
    import onnx

    m = onnx.load(str(onnx_path))
    have = {o.name: o for o in m.graph.output}
    if set(have) != set(names):
        raise RuntimeError(f"ONNX outputs are {sorted(have)}, expected {sorted(names)}")
    if [i.name for i in m.graph.input] != [input_name]:
        raise RuntimeError(f"ONNX inputs are {[i.name for i in m.graph.input]}, expected [{input_name!r}]")
    # Name free image dimensions (MultiPose takes any multiple of 32) instead of tf2onnx's unk__N.
    for dim, label in zip(m.graph.input[0].type.tensor_type.shape.dim[1:3], ("height", "width")):
        if dim.HasField("dim_param"):
            dim.dim_param = label
    ordered = [copy.deepcopy(have[n]) for n in names]
    del m.graph.output[:]
    m.graph.output.extend(ordered)
    onnx.checker.check_model(m)
    onnx.save(m, str(onnx_path))


def drop_outputs(onnx_path: Path, keep: list[str], input_name: str) -> None:
    """Cut outputs the app never reads, with the nodes only they need (BlazePose's segmentation head)."""
    import onnx
    from onnx.utils import Extractor

    model = onnx.load(str(onnx_path))
    sub = Extractor(model).extract_model([input_name], keep)
    onnx.checker.check_model(sub)
    onnx.save(sub, str(onnx_path))
    say(f"  kept outputs {keep}: {len(model.graph.node)} -> {len(sub.graph.node)} nodes")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", required=True, type=Path, help="extracted npm package folder (holds package/)")
    ap.add_argument("--jobs", required=True, type=Path)
    ap.add_argument("--out-dir", required=True, type=Path)
    args = ap.parse_args(argv)
    jobs = json.loads(args.jobs.read_text())
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        t0 = time.monotonic()
        say(f"converting {job['id']} from {job['path']}")
        onnx_path = args.out_dir / f"{job['id']}.onnx"
        convert = convert_tfjs if job["format"] == "tfjs" else convert_tflite
        original = convert(job, args.package, onnx_path)
        names = [o["name"] for o in job["outputs"]]
        reorder_outputs(onnx_path, names, job["input_name"])
        dropped = {o["name"] for o in job["outputs"] if o.get("dropped")}
        if dropped:
            kept = [(n, a) for n, a in zip(names, original) if n not in dropped]
            drop_outputs(onnx_path, [n for n, _ in kept], job["input_name"])
            names, original = [n for n, _ in kept], [a for _, a in kept]
            job = {**job, "outputs": [o for o in job["outputs"] if o["name"] not in dropped]}
        ref = {
            "id": job["id"],
            "tensorflow": tf.__version__,
            "outputs": {n: output_stats(a) for n, a in zip(names, original)},
        }
        for n, a, w in zip(names, original, job["outputs"]):
            if list(a.shape) != list(w["shape"]):
                raise RuntimeError(f"{job['id']} output {n} has shape {list(a.shape)}, expected {w['shape']}")
        (args.out_dir / f"{job['id']}.reference.json").write_text(json.dumps(ref, indent=1))
        np.save(args.out_dir / f"{job['id']}.original.npy", np.concatenate([a.ravel() for a in original]))
        say(f"done {job['id']} in {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
