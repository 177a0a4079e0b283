"""The peers' side of bench/peers: MLMD's and MLflow's own Python clients, driven by the Node
benchmark over JSON lines on stdin/stdout, so that both sides run the same workload in turns in
one run. Every timing is taken here, around the client call alone (no pipe, no JSON), with
time.perf_counter; the Node side times mlmeta the same way.

One command per line: {"op": "...", ...}; one answer per line: {"ok": true, ...} or
{"ok": false, "error": "..."}.
"""

import json
import multiprocessing
import sys
import time

_mlmd = {}
_mlflow = {}


# --- MLMD ---------------------------------------------------------------------------------------


def _mlmd_modules():
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    return metadata_store, metadata_store_pb2


def mlmd_open(cmd):
    metadata_store, pb = _mlmd_modules()
    cfg = pb.ConnectionConfig()
    if cmd["backend"] == "sqlite":
        cfg.sqlite.filename_uri = cmd["path"]
        cfg.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    else:
        cfg.postgresql.host = cmd["host"]
        cfg.postgresql.port = str(cmd["port"])
        cfg.postgresql.user = cmd["user"]
        cfg.postgresql.dbname = cmd["dbname"]
    started = time.perf_counter()
    _mlmd["store"] = metadata_store.MetadataStore(cfg)
    return {"seconds": time.perf_counter() - started}


def _mlmd_types(store, pb):
    if "types" in _mlmd:
        return _mlmd["types"]
    dataset = pb.ArtifactType(name="bench.Dataset", base_type=pb.ArtifactType.DATASET)
    dataset.properties["rows"] = pb.INT
    model = pb.ArtifactType(name="bench.Model", base_type=pb.ArtifactType.MODEL)
    model.properties["accuracy"] = pb.DOUBLE
    train = pb.ExecutionType(name="bench.Train", base_type=pb.ExecutionType.TRAIN)
    train.properties["epochs"] = pb.INT
    experiment = pb.ContextType(name="bench.Experiment")
    _mlmd["types"] = {
        "dataset": store.put_artifact_type(dataset, can_add_fields=True),
        "model": store.put_artifact_type(model, can_add_fields=True),
        "train": store.put_execution_type(train, can_add_fields=True),
        "experiment": store.put_context_type(experiment),
    }
    return _mlmd["types"]


def _set(props, key, value):
    if isinstance(value, bool):
        props[key].bool_value = value
    elif isinstance(value, int):
        props[key].int_value = value
    elif isinstance(value, float):
        props[key].double_value = value
    else:
        props[key].string_value = str(value)


def _mlmd_run_nodes(pb, types, run):
    """The protos of one workload run: dataset and model artifacts, train execution, experiment."""
    dataset = pb.Artifact(type_id=types["dataset"], uri=run["dataset"]["uri"], external_id=run["dataset"]["id"])
    dataset.properties["rows"].int_value = run["dataset"]["rows"]
    dataset.state = pb.Artifact.LIVE
    model = pb.Artifact(type_id=types["model"], uri=run["model"]["uri"], external_id=run["model"]["id"])
    model.properties["accuracy"].double_value = run["model"]["accuracy"]
    model.state = pb.Artifact.LIVE
    execution = pb.Execution(type_id=types["train"], external_id=run["id"], name=run["name"])
    execution.last_known_state = pb.Execution.COMPLETE
    execution.properties["epochs"].int_value = run["params"]["epochs"]
    for key, value in run["params"].items():
        _set(execution.custom_properties, key, value)
    context = pb.Context(type_id=types["experiment"], name=run["experiment"], external_id=run["experiment"])
    return dataset, model, execution, context


def mlmd_put_lineage(cmd):
    """put_lineage_subgraph, one call per run (the whole run's lineage in one transaction)."""
    _, pb = _mlmd_modules()
    store = _mlmd["store"]
    types = _mlmd_types(store, pb)
    runs = cmd["runs"]
    protos = [_mlmd_run_nodes(pb, types, r) for r in runs]
    started = time.perf_counter()
    for dataset, model, execution, context in protos:
        store.put_lineage_subgraph(
            [execution],
            [dataset, model],
            [context],
            [
                (0, 0, pb.Event(type=pb.Event.INPUT)),
                (0, 1, pb.Event(type=pb.Event.OUTPUT)),
            ],
            reuse_context_if_already_exist=True,
            reuse_artifact_if_already_exist_by_external_id=True,
        )
    return {"seconds": time.perf_counter() - started, "runs": len(runs)}


def mlmd_put_execution(cmd):
    """The path TFX takes: put_execution with artifact-and-event pairs and contexts, per run
    (a shared dataset is reused by its external id, as mlmeta's upsert does)."""
    _, pb = _mlmd_modules()
    store = _mlmd["store"]
    types = _mlmd_types(store, pb)
    runs = cmd["runs"]
    protos = [_mlmd_run_nodes(pb, types, r) for r in runs]
    started = time.perf_counter()
    for dataset, model, execution, context in protos:
        store.put_execution(
            execution,
            [(dataset, pb.Event(type=pb.Event.INPUT)), (model, pb.Event(type=pb.Event.OUTPUT))],
            [context],
            reuse_context_if_already_exist=True,
            reuse_artifact_if_already_exist_by_external_id=True,
        )
    return {"seconds": time.perf_counter() - started, "runs": len(runs)}


def mlmd_reads(cmd):
    """Reads by type, by type and name, and with a filter_query; each repeated `repeats` times."""
    _, pb = _mlmd_modules()
    from ml_metadata.metadata_store import metadata_store

    store = _mlmd["store"]
    repeats = cmd["repeats"]
    out = {}
    started = time.perf_counter()
    for _ in range(repeats):
        n = len(store.get_artifacts_by_type("bench.Model"))
    out["byType"] = {"seconds": (time.perf_counter() - started) / repeats, "count": n}
    names = cmd["names"]
    started = time.perf_counter()
    for name in names:
        found = store.get_execution_by_type_and_name("bench.Train", name)
        assert found is not None, name
    out["byName"] = {"seconds": (time.perf_counter() - started) / len(names), "count": 1}
    options = metadata_store.ListOptions(filter_query=cmd["filter"])
    started = time.perf_counter()
    for _ in range(repeats):
        n = len(store.get_executions(list_options=options))
    out["filter"] = {"seconds": (time.perf_counter() - started) / repeats, "count": n}
    return out


def mlmd_lineage(cmd):
    """get_lineage_subgraph from each artifact id; full nodes (no field mask: every field)."""
    _, pb = _mlmd_modules()
    store = _mlmd["store"]
    direction = {
        "upstream": pb.LineageSubgraphQueryOptions.Direction.UPSTREAM,
        "downstream": pb.LineageSubgraphQueryOptions.Direction.DOWNSTREAM,
        "both": pb.LineageSubgraphQueryOptions.Direction.BIDIRECTIONAL,
    }[cmd["direction"]]
    times = []
    nodes = 0
    for artifact_id in cmd["ids"]:
        options = pb.LineageSubgraphQueryOptions(
            starting_artifacts=pb.LineageSubgraphQueryOptions.StartingNodes(filter_query=f"id = {artifact_id}"),
            max_num_hops=cmd["hops"],
            direction=direction,
        )
        started = time.perf_counter()
        graph = store.get_lineage_subgraph(options)
        times.append(time.perf_counter() - started)
        nodes = len(graph.artifacts) + len(graph.executions)
    return {"times": times, "nodes": nodes}


# --- MLflow -------------------------------------------------------------------------------------


def mlflow_open(cmd):
    from mlflow import MlflowClient

    _mlflow["uri"] = cmd["trackingUri"]
    _mlflow["client"] = MlflowClient(tracking_uri=cmd["trackingUri"])
    name = cmd.get("experiment", "bench")
    found = _mlflow["client"].get_experiment_by_name(name)
    _mlflow["experiment"] = found.experiment_id if found else _mlflow["client"].create_experiment(name)
    return {"experiment": _mlflow["experiment"]}


def mlflow_create_runs(cmd):
    """Runs with params and final metrics, as a training script's log_params/log_metrics leave them."""
    from mlflow.entities import Metric, Param

    client = _mlflow["client"]
    ids = []
    started = time.perf_counter()
    for run in cmd["runs"]:
        created = client.create_run(_mlflow["experiment"], run_name=run["name"])
        metrics = [Metric(k, v, 0, run["params"]["epochs"]) for k, v in run["final"].items()]
        params = [Param(k, str(v)) for k, v in run["params"].items()]
        client.log_batch(created.info.run_id, metrics=metrics, params=params)
        client.set_terminated(created.info.run_id)
        ids.append(created.info.run_id)
    return {"seconds": time.perf_counter() - started, "ids": ids}


def _log_points(client, run_id, points, batch):
    from mlflow.entities import Metric

    metrics = [Metric(p[0], p[2], p[3], p[1]) for p in points]
    for i in range(0, len(metrics), batch):
        client.log_batch(run_id, metrics=metrics[i : i + batch])


def mlflow_log_batch(cmd):
    """Metric ingest with log_batch (MLflow's limit: 1,000 metrics a call). Points: [key, step, value, ms]."""
    client = _mlflow["client"]
    run = client.create_run(_mlflow["experiment"])
    points = cmd["points"]
    started = time.perf_counter()
    _log_points(client, run.info.run_id, points, cmd["batch"])
    return {"seconds": time.perf_counter() - started, "points": len(points)}


def _client_worker(args):
    uri, experiment, points, batch, barrier_time = args
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    run = client.create_run(experiment)
    while time.time() < barrier_time:
        time.sleep(0.001)
    started = time.perf_counter()
    errors = 0
    try:
        _log_points(client, run.info.run_id, points, batch)
    except Exception:  # a failed request counts as an error, as the Node side counts them
        errors += 1
    return (started, time.perf_counter(), errors)


def mlflow_log_batch_parallel(cmd):
    """`clients` processes, each its own run, all starting together; points/s over the wall span."""
    clients = cmd["clients"]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(clients) as pool:
        start_at = time.time() + 3.0
        args = [(_mlflow["uri"], _mlflow["experiment"], cmd["points"], cmd["batch"], start_at)] * clients
        results = pool.map(_client_worker, args)
    first = min(r[0] for r in results)
    last = max(r[1] for r in results)
    return {
        "seconds": last - first,
        "points": len(cmd["points"]) * clients,
        "errors": sum(r[2] for r in results),
    }


def mlflow_search(cmd):
    client = _mlflow["client"]
    times = []
    count = 0
    for _ in range(cmd["repeats"]):
        started = time.perf_counter()
        found = []
        token = None
        while True:
            page = client.search_runs(
                [_mlflow["experiment"]], filter_string=cmd["filter"], max_results=1000, page_token=token
            )
            found.extend(page)
            token = page.token
            if not token:
                break
        times.append(time.perf_counter() - started)
        count = len(found)
    return {"times": times, "count": count}


OPS = {
    "mlmd.open": mlmd_open,
    "mlmd.put_lineage": mlmd_put_lineage,
    "mlmd.put_execution": mlmd_put_execution,
    "mlmd.reads": mlmd_reads,
    "mlmd.lineage": mlmd_lineage,
    "mlflow.open": mlflow_open,
    "mlflow.create_runs": mlflow_create_runs,
    "mlflow.log_batch": mlflow_log_batch,
    "mlflow.log_batch_parallel": mlflow_log_batch_parallel,
    "mlflow.search": mlflow_search,
}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            answer = {"ok": True, **OPS[cmd["op"]](cmd)}
        except Exception as error:  # the Node side reports it and stops
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
