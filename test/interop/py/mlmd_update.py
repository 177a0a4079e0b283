"""MLMD reads nodes by external id, changes properties and puts them back, as a user would.
Input: {"store": ..., "updates": [{"kind": "artifact"|"execution"|"context", "external_id": ...,
"properties": {name: value}, "custom_properties": {name: value}}]}; a value of null deletes."""
import mlmd_common as c

request = c.read_input()
store = c.connect(request["store"])
getters = {"artifact": (store.get_artifacts_by_external_ids, store.put_artifacts),
           "execution": (store.get_executions_by_external_ids, store.put_executions),
           "context": (store.get_contexts_by_external_ids, store.put_contexts)}
for update in request["updates"]:
    get, put = getters[update["kind"]]
    [node] = get([update["external_id"]])
    for field in ("properties", "custom_properties"):
        for name, value in update.get(field, {}).items():
            props = getattr(node, field)
            if value is None:
                del props[name]
            else:
                c.set_value(props[name], value)
    put([node])
c.emit({"ok": True})
