"""MLMD's own queries on a store: filter_query list options and get_lineage_subgraph.
Input: {"store": ..., "filters": [{"kind": "artifact"|"execution"|"context", "query": "..."}],
"lineage": {"artifacts": "<filter_query for the starting artifacts>", "max_hops": n}}.
Output: the external ids each filter selects, and the lineage subgraph's nodes and events."""
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

import mlmd_common as c

request = c.read_input()
store = c.connect(request["store"])
listers = {"artifact": store.get_artifacts, "execution": store.get_executions, "context": store.get_contexts}


def label(node):
    return node.external_id if node.HasField("external_id") else node.name


out = {"filters": []}
for f in request.get("filters", []):
    nodes = listers[f["kind"]](list_options=metadata_store.ListOptions(filter_query=f["query"]))
    out["filters"].append(sorted(label(n) for n in nodes))
lineage = request.get("lineage")
if lineage:
    options = pb.LineageSubgraphQueryOptions(max_num_hops=lineage.get("max_hops", 20))
    options.starting_artifacts.filter_query = lineage["artifacts"]
    graph = store.get_lineage_subgraph(options)
    out["lineage"] = {
        "artifacts": sorted(label(a) for a in graph.artifacts),
        "executions": sorted(label(e) for e in graph.executions),
        "contexts": sorted(label(x) for x in graph.contexts),
        "events": len(graph.events),
    }
c.emit(out)
