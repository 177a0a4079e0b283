"""A store written by MLMD alone, the way a TFX-style user writes one: a declared STRUCT, a
PROTO (a ListValue and a message mlmeta does not know), a dataset -> train -> model lineage in an
experiment context. Input: {"store": ...}. Output: the ids MLMD gave."""
from google.protobuf import struct_pb2
from ml_metadata.proto import metadata_store_pb2 as pb

import mlmd_common as c

request = c.read_input()
store = c.connect(request["store"])

dataset_type = pb.ArtifactType(name="tfx.Examples", base_type=pb.ArtifactType.DATASET)
dataset_type.properties["span"] = pb.INT
dataset_type.properties["split_names"] = pb.STRUCT
model_type = pb.ArtifactType(name="tfx.Model", base_type=pb.ArtifactType.MODEL)
model_type.properties["signature"] = pb.PROTO
train_type = pb.ExecutionType(name="tfx.Trainer", base_type=pb.ExecutionType.TRAIN)
train_type.properties["steps"] = pb.INT
experiment_type = pb.ContextType(name="tfx.Pipeline")
dataset_type_id = store.put_artifact_type(dataset_type)
model_type_id = store.put_artifact_type(model_type)
train_type_id = store.put_execution_type(train_type)
experiment_type_id = store.put_context_type(experiment_type)

dataset = pb.Artifact(type_id=dataset_type_id, uri="gs://bucket/examples/1", external_id="mlmd-ds",
                      state=pb.Artifact.LIVE)
dataset.properties["span"].int_value = 1
dataset.properties["split_names"].struct_value.update({"train": 0.8, "eval": [1, "x", None, True], "nested": {"k": "v"}})
dataset.custom_properties["owner"].string_value = "ana"
dataset.custom_properties["ratio"].double_value = 0.25
model = pb.Artifact(type_id=model_type_id, uri="gs://bucket/model/1", external_id="mlmd-model")
listing = struct_pb2.ListValue()
listing.extend(["serving_default", 3])
model.properties["signature"].proto_value.Pack(listing)
opaque = pb.Artifact(name="packed", uri="x")
model.custom_properties["opaque"].proto_value.Pack(opaque)
model.custom_properties["accepted"].bool_value = True
[dataset_id, model_id] = store.put_artifacts([dataset, model])

run = pb.Execution(type_id=train_type_id, external_id="mlmd-run", last_known_state=pb.Execution.COMPLETE)
run.properties["steps"].int_value = 100
[run_id] = store.put_executions([run])
pipeline = pb.Context(type_id=experiment_type_id, name="pipe-1", external_id="mlmd-pipe")
[pipeline_id] = store.put_contexts([pipeline])

event_in = pb.Event(artifact_id=dataset_id, execution_id=run_id, type=pb.Event.INPUT)
event_in.path.steps.add().key = "examples"
event_in.path.steps.add().index = 0
event_out = pb.Event(artifact_id=model_id, execution_id=run_id, type=pb.Event.OUTPUT)
store.put_events([event_in, event_out])
store.put_attributions_and_associations(
    [pb.Attribution(artifact_id=dataset_id, context_id=pipeline_id),
     pb.Attribution(artifact_id=model_id, context_id=pipeline_id)],
    [pb.Association(execution_id=run_id, context_id=pipeline_id)])
c.emit({"dataset": dataset_id, "model": model_id, "run": run_id, "pipeline": pipeline_id,
        "opaque_value": c.value_json(model.custom_properties["opaque"])["PROTO"]["value"]})
