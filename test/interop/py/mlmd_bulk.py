"""MLMD writes `count` artifacts of type mlmd_bulk.Item, one put each (one transaction each), as
fast as it can, to run beside another writer. Input: {"store": ..., "count": n, "prefix": "..."}."""
from ml_metadata.proto import metadata_store_pb2 as pb

import mlmd_common as c

request = c.read_input()
store = c.connect(request["store"])
type_id = store.put_artifact_type(pb.ArtifactType(name="mlmd_bulk.Item"))
for i in range(request["count"]):
    item = pb.Artifact(type_id=type_id, uri="mlmd://%d" % i, external_id="%s%d" % (request["prefix"], i))
    item.custom_properties["i"].int_value = i
    store.put_artifacts([item])
c.emit({"written": request["count"]})
