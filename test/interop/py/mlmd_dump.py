"""Everything MLMD's client reads from a store, as JSON: types, nodes with every property,
events with paths, attributions, associations and parent contexts. Input: {"store": ...}."""
from ml_metadata.proto import metadata_store_pb2

import mlmd_common as c

request = c.read_input()
store = c.connect(request["store"])

artifact_types = store.get_artifact_types()
execution_types = store.get_execution_types()
context_types = store.get_context_types()
names = {t.id: t.name for t in [*artifact_types, *execution_types, *context_types]}

artifacts = store.get_artifacts()
executions = store.get_executions()
contexts = store.get_contexts()
events = store.get_events_by_execution_ids([e.id for e in executions])


def path_json(path):
    return [{"index": s.index} if s.HasField("index") else {"key": s.key} for s in path.steps]


c.emit({
    "artifact_types": [c.type_json(t) for t in artifact_types],
    "execution_types": [c.type_json(t) for t in execution_types],
    "context_types": [c.type_json(t) for t in context_types],
    "artifacts": [c.node_json(a, names) for a in artifacts],
    "executions": [c.node_json(e, names) for e in executions],
    "contexts": [c.node_json(x, names) for x in contexts],
    "events": sorted([{"artifact_id": e.artifact_id, "execution_id": e.execution_id,
                       "type": metadata_store_pb2.Event.Type.Name(e.type), "path": path_json(e.path)}
                      for e in events], key=lambda e: (e["execution_id"], e["artifact_id"], e["type"])),
    "attributions": sorted([[x.id, a.id] for x in contexts for a in store.get_artifacts_by_context(x.id)]),
    "associations": sorted([[x.id, e.id] for x in contexts for e in store.get_executions_by_context(x.id)]),
    "parent_contexts": sorted([[x.id, p.id] for x in contexts for p in store.get_parent_contexts_by_context(x.id)]),
})
